import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogProduct } from '../../subgraphs/catalog/index.ts';
import { createDataProduct, productStorePath, type DataProduct, type DataProductOptions } from '../../subgraphs/kit/create-data-product.ts';
import { DEV_UNSIGNED_ENV } from '../../subgraphs/kit/dev-unsigned-access.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { signatureHeader } from '../../schema/protocol/signature.ts';
import { runCli } from '../support/cli-process.ts';

/**
 * Development mode lets a product's team query it unsigned from their own machine. Every
 * way around its limits gets the exact code: a remote caller, spoofed forwarding headers, a
 * rebound DNS name, a forged signature, a browser's cross-site form post, and production.
 */
const QUERY = JSON.stringify({ query: '{ product(sku: "SKU-0001") { sku } }' });
const KEY = signingKey('dev mode test key, 16+ characters');

/** A non-loopback address of this machine: connecting to it from here makes the product see a remote peer. */
const REMOTE_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && !info.internal && info.family === 'IPv4')?.address;

interface Answer {
  status: number;
  code: unknown;
  data: unknown;
}

/** POSTs over node:http, which (unlike fetch) sends the Host header it is given. */
function post(address: string, port: number, headers: Record<string, string>, body = QUERY): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', host: `localhost:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const parsed = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
        resolve({ status: res.statusCode ?? 0, code: parsed.errors?.[0]?.extensions?.code, data: parsed.data });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ANSWERED = { status: 200, code: undefined, data: { product: { sku: 'SKU-0001' } } };

let store: DuckDbStore;
let devProduct: DataProduct;
let port: number;

beforeAll(async () => {
  store = await DuckDbStore.open(productStorePath(catalogProduct, 'catalog'));
  devProduct = await createDataProduct(catalogProduct, { store, signingKeys: [KEY], devUnsigned: true, mode: 'development' });
  // Every interface, dual-stack: a peer on another address can reach it at all, and IPv4
  // peers arrive as IPv4-mapped IPv6 addresses (::ffff:127.0.0.1), the form a check can miss.
  port = (await devProduct.listen({ port: 0, host: '::' })).port;
});
afterAll(async () => {
  await devProduct?.close();
  await store?.close();
});

async function startRefusal(options: DataProductOptions, env: Record<string, string | undefined>): Promise<string | undefined> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
  try {
    const product = await createDataProduct(catalogProduct, { store, signingKeys: [KEY], ...options });
    await product.close();
    return undefined;
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('a product in development mode', () => {
  it('answers an unsigned query from localhost, and introspection', async () => {
    expect(await post('127.0.0.1', port, {})).toEqual(ANSWERED);
    expect(await post('127.0.0.1', port, { host: `127.0.0.1:${port}` })).toEqual(ANSWERED);
    const sdl = await post('127.0.0.1', port, {}, JSON.stringify({ query: '{ _service { sdl } }' }));
    expect(sdl.status).toBe(200);
    expect((sdl.data as { _service: { sdl: string } })._service.sdl).toContain('type Product');
  });

  it('also over IPv6 loopback', async () => {
    expect(await post('::1', port, { host: `[::1]:${port}` })).toEqual(ANSWERED);
  });

  it.skipIf(REMOTE_ADDRESS === undefined)('refuses an unsigned query from another address with 401 SIGNATURE_MISSING, whatever forwarding headers claim', async () => {
    const spoofs: Record<string, string>[] = [
      {},
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-forwarded-for': '::1, 127.0.0.1' },
      { forwarded: 'for=127.0.0.1' },
      { 'x-real-ip': '127.0.0.1' },
      { 'x-forwarded-host': 'localhost' },
    ];
    for (const headers of spoofs) {
      expect(await post(REMOTE_ADDRESS!, port, headers), JSON.stringify(headers)).toEqual({ status: 401, code: 'SIGNATURE_MISSING', data: undefined });
    }
    // The gateway's signed request still reaches it from anywhere.
    expect(await post(REMOTE_ADDRESS!, port, { 'x-meshgate-signature': signatureHeader(KEY, 'catalog', QUERY) })).toEqual(ANSWERED);
  });

  it('refuses an unsigned query from localhost naming another host with 421 HOST_NOT_ALLOWED (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io', 'localhost@evil.example', '[::1].evil.example']) {
      expect(await post('127.0.0.1', port, { host }), host).toEqual({ status: 421, code: 'HOST_NOT_ALLOWED', data: undefined });
    }
  });

  it('verifies a signature that is there: forged, replayed or expired from localhost is refused', async () => {
    const forged = signatureHeader(signingKey('not the key of this product!'), 'catalog', QUERY);
    expect(await post('127.0.0.1', port, { 'x-meshgate-signature': forged })).toEqual({ status: 401, code: 'SIGNATURE_INVALID', data: undefined });
    expect(await post('127.0.0.1', port, { 'x-meshgate-signature': 'v2;garbage' })).toEqual({ status: 401, code: 'SIGNATURE_INVALID', data: undefined });
    const old = signatureHeader(KEY, 'catalog', QUERY, Date.now() - 3_600_000);
    expect(await post('127.0.0.1', port, { 'x-meshgate-signature': old })).toEqual({ status: 401, code: 'SIGNATURE_EXPIRED', data: undefined });
    const once = signatureHeader(KEY, 'catalog', QUERY);
    expect(await post('127.0.0.1', port, { 'x-meshgate-signature': once })).toEqual(ANSWERED);
    expect(await post('127.0.0.1', port, { 'x-meshgate-signature': once })).toEqual({ status: 401, code: 'SIGNATURE_REPLAYED', data: undefined });
  });

  it("refuses a browser's cross-site simple POST (text/plain) with 400 BAD_REQUEST", async () => {
    expect(await post('127.0.0.1', port, { 'content-type': 'text/plain' })).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });
});

describe('switching development mode on', () => {
  it('is refused in production with DEV_MODE_REFUSED, from the option or the environment', async () => {
    expect(await startRefusal({ devUnsigned: true, mode: 'production' }, {})).toBe('DEV_MODE_REFUSED');
    expect(await startRefusal({ devUnsigned: true }, { NODE_ENV: 'production' })).toBe('DEV_MODE_REFUSED');
    expect(await startRefusal({}, { NODE_ENV: 'production', [DEV_UNSIGNED_ENV]: '1' })).toBe('DEV_MODE_REFUSED');
    expect(await startRefusal({ mode: 'production' }, { [DEV_UNSIGNED_ENV]: '1' })).toBe('DEV_MODE_REFUSED');
    // Off stays off in production: nothing to refuse.
    expect(await startRefusal({ mode: 'production' }, { [DEV_UNSIGNED_ENV]: '0' })).toBeUndefined();
  });

  it(`names a ${DEV_UNSIGNED_ENV} value that is neither 1 nor 0 (CONFIG_INVALID) instead of guessing`, async () => {
    for (const value of ['true', 'yes', 'on', ' 1']) expect(await startRefusal({}, { [DEV_UNSIGNED_ENV]: value }), value).toBe('CONFIG_INVALID');
  });

  it(`is on from ${DEV_UNSIGNED_ENV}=1 in development, and the option wins over the environment`, async () => {
    const asks = async (options: DataProductOptions, value: string) => {
      const saved = process.env[DEV_UNSIGNED_ENV];
      process.env[DEV_UNSIGNED_ENV] = value;
      const product = await createDataProduct(catalogProduct, { store, signingKeys: [KEY], mode: 'development', ...options });
      try {
        const running = await product.listen({ port: 0 });
        return (await post('127.0.0.1', running.port, {})).status;
      } finally {
        await product.close();
        if (saved === undefined) delete process.env[DEV_UNSIGNED_ENV];
        else process.env[DEV_UNSIGNED_ENV] = saved;
      }
    };
    expect(await asks({}, '1')).toBe(200);
    expect(await asks({}, '0')).toBe(401);
    expect(await asks({ devUnsigned: false }, '1')).toBe(401);
  });

  it('stops `meshgate product` in production with one line naming the code', async () => {
    const cli = runCli(['product', 'catalog', '--port', '0'], { NODE_ENV: 'production', [DEV_UNSIGNED_ENV]: '1', MESHGATE_SIGNING_SECRET: 'production mesh secret of 32 chars' });
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim()).toMatch(/^DEV_MODE_REFUSED: catalog: MESHGATE_DEV_UNSIGNED=1 \(unsigned requests from localhost\) is refused in production[^\n]*$/);
  });
});
