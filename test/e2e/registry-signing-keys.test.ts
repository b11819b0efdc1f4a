import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { meshPaths } from '../../schema/contracts/mesh.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { RegistryClient } from '../../schema/registry/registry-client.ts';
import { mintDevToken } from '../../gateway/access/dev-identity.ts';
import { fetchKeysFromRegistry } from '../fixtures/foreign-product/signature-check.ts';
import { startReviewsProduct } from '../fixtures/foreign-product/reviews-server.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { readProductRepository } from '../../schema/registry/product-repository.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { fetchSigningKeys, RegistrySigningSecrets, signingKeyRoutes } from '../../schema/registry/signing-key-handout.ts';
import { REPO_ROOT } from '../../schema/base/source-tree.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { loadProductKeys, type ProductKeys } from '../../subgraphs/kit/product-keys.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { closeProducts, postGraphQL, startProducts, type MeshProducts } from '../support/mesh-harness.ts';
import { readmeShellBlocks, runShellLine, substituted } from '../support/readme-shell.ts';

/**
 * Keys a team never has to share: the registry derives each product's key from a secret
 * only it holds and hands it to that product's own token; a gateway fed by the registry
 * gets every product's keys with its gateway token. No MESHGATE_SIGNING_SECRET anywhere.
 * A rotation at the registry fails no request; a product holding the wrong key is one log
 * line and one metric at the gateway, naming the product, the reason and the key id.
 */
/** The product written from PROTOCOL.md alone (test/fixtures/foreign-product/), which fetches its key as the document says. */
const FOREIGN = 'reviews';
const QUERY = '{ customer(id: "C00042") { id orderSummary { orderCount } orders(first: 2) { edges { node { id lines { product { name } } } } } } }';
const TOKENS = {
  platform: randomBytes(16).toString('hex'),
  gateway: randomBytes(16).toString('hex'),
  ...Object.fromEntries([...DEMO_MESH.map((member) => member.name), FOREIGN].map((name) => [name, randomBytes(16).toString('hex')])),
} as Record<string, string>;

let dir: string;
let registry: Registry;
let server: RunningRegistry;
let products: MeshProducts;
const productKeys: ProductKeys[] = [];
const gateways: RunningGateway[] = [];
const logLines: { msg: string; product?: string; reason?: string; keyId?: string }[] = [];

/** A product's keys as the kit loads them from the registry with the product's own token (production: no development key beside them). */
async function keysFromRegistry(product: string): Promise<ProductKeys> {
  const keys = await loadProductKeys(product, { env: { MESHGATE_REGISTRY_URL: server.url, MESHGATE_REGISTRY_TOKEN: TOKENS[product]! }, mode: 'production' });
  productKeys.push(keys);
  return keys;
}

async function registryGateway(subgraphUrls: Record<string, string>): Promise<RunningGateway> {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const gateway = await startGateway(resolveGatewayConfig({ port: 0, registry: { url: server.url, token: TOKENS.gateway }, subgraphUrls }), { logger });
  gateways.push(gateway);
  return gateway;
}

const urlsOf = (mesh: MeshProducts) => Object.fromEntries(Object.entries(mesh).map(([name, p]) => [name, p.running.url]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-registry-keys-'));
  registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
  const published = meshPaths(REPO_ROOT).published;
  const imported = await registry.importMesh(
    readdirSync(published).map((name) => readProductRepository(join(published, name), name)),
    'platform',
  );
  expect(imported.ok).toBe(true);
  const tokens = new RegistryTokens({
    maxBodyBytes: 1_048_576,
    tokens: [
      { kind: 'platform', name: 'platform', token: TOKENS.platform! },
      { kind: 'gateway', name: 'edge', token: TOKENS.gateway! },
      ...[...DEMO_MESH.map((member) => member.name), FOREIGN].map((name) => ({ kind: 'product' as const, name: `${name}-team`, product: name, token: TOKENS[name]! })),
    ],
  });
  // Refreshed every second, so the test sees a rotation reach the gateway without waiting a minute.
  server = await startRegistryServer({
    registry,
    tokens,
    log: () => {},
    routes: signingKeyRoutes(RegistrySigningSecrets.open({ env: {}, file: join(dir, 'signing-secrets') }), { refreshAfterSeconds: 1 }),
  });
  products = await startProducts({ products: Object.fromEntries(DEMO_MESH.map((member) => [member.name, async () => ({ signingKeys: await keysFromRegistry(member.name) })])) });
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  if (products) await closeProducts(products);
  for (const keys of productKeys) keys.close();
  await server?.close();
  await registry?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, token: string) {
  const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

describe('signing keys handed out by the registry', () => {
  it("gives a product token its own product's keys and no other's; a gateway token any product's", async () => {
    const [first, second] = DEMO_MESH;
    const own = await call('GET', `/v1/products/${first!.name}/signing-keys`, TOKENS[first!.name]!);
    expect(own.status).toBe(200);
    expect(own.body.keys).toHaveLength(1);
    // The id is the key's own fingerprint (PROTOCOL.md 3.1), so a foreign product computes it too.
    expect(signingKey(Buffer.from(own.body.keys[0].key, 'base64url')).id).toBe(own.body.keys[0].id);
    const other = await call('GET', `/v1/products/${second!.name}/signing-keys`, TOKENS[first!.name]!);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('REGISTRY_FORBIDDEN');
    expect(JSON.stringify(other.body)).not.toContain(own.body.keys[0].key);
    const forGateway = await call('GET', `/v1/products/${second!.name}/signing-keys`, TOKENS.gateway!);
    expect(forGateway.status).toBe(200);
    expect(forGateway.body.keys[0].id).not.toBe(own.body.keys[0].id);
    expect((await call('POST', '/v1/signing-keys/rotate', TOKENS.gateway!)).body.error.code).toBe('REGISTRY_FORBIDDEN');
    expect((await call('GET', '/v1/products/..%2Fetc/signing-keys', TOKENS.gateway!)).body.error.code).toBe('BAD_REQUEST');
  });

  it('serves a cross-product query through a registry-fed gateway, and keeps serving through a rotation without a failed request', async () => {
    const plain = await registryGateway(urlsOf(products));
    const first = await postGraphQL(plain.url, { query: QUERY });
    expect(first.body.errors).toBeUndefined();
    // A registry-fed gateway in development trusts the development identity too: `meshgate token`'s token reads restricted fields.
    const restricted = '{ customer(id: "C00042") { id name } }';
    expect((await postGraphQL(plain.url, { query: restricted })).body.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN_FIELD');
    const signedIn = await postGraphQL(plain.url, { query: restricted }, { authorization: `Bearer ${await mintDevToken()}` });
    expect(signedIn.body.errors).toBeUndefined();
    const answering = (first.body.extensions!.dataProducts as { name: string }[]).map((p) => p.name);
    expect(answering.length).toBeGreaterThanOrEqual(2);
    // Watched through a proxy: one product the query reaches.
    const product = answering[0]!;
    const proxy = await recordingProxy(products[product]!.running.url);
    const gateway = await registryGateway({ ...urlsOf(products), [product]: proxy.url });
    const signingKeyOf = async (name: string) => (await call('GET', `/v1/products/${name}/signing-keys`, TOKENS.gateway!)).body.keys[0].id as string;
    const before = await signingKeyOf(product);
    let stop = false;
    const failures: unknown[] = [];
    let served = 0;
    const load = (async () => {
      while (!stop) {
        const answer = await postGraphQL(gateway.url, { query: QUERY });
        if (answer.status !== 200 || answer.body.errors) failures.push(answer.body.errors ?? answer.status);
        served += 1;
      }
    })();
    // Rotated once the gateway has signed with the current key under load.
    while (!proxy.keyIds.includes(before)) await new Promise((resolve) => setTimeout(resolve, 20));
    const rotated = await call('POST', '/v1/signing-keys/rotate', TOKENS.platform!);
    expect(rotated.status).toBe(200);
    const after = await signingKeyOf(product);
    expect(after).not.toBe(before);
    // The gateway refreshes within the registry's refreshAfterSeconds (1 s here), then signs with the new key.
    const deadline = Date.now() + 15_000;
    while (!proxy.keyIds.includes(after) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const switchedAt = served;
    while (served < switchedAt + 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    stop = true;
    await load;
    await proxy.close();
    expect(proxy.keyIds).toContain(before);
    expect(proxy.keyIds.at(-1)).toBe(after);
    expect(failures).toEqual([]);
    expect(logLines.filter((line) => line.reason)).toEqual([]);
  });

  it('logs a product holding the wrong key once per burst, naming the product, the reason and the key id, and counts it', async () => {
    const wrong = DEMO_MESH[0]!;
    // The same product started with a key nobody handed out: what a team with a stale or mistyped MESHGATE_PRODUCT_KEY runs.
    const impostor = await createDataProduct(wrong.definition, { signingKeys: [signingKey(randomBytes(32))] });
    const running = await impostor.listen({ port: 0 });
    try {
      const gateway = await registryGateway({ ...urlsOf(products), [wrong.name]: running.url });
      const keyId = (await call('GET', `/v1/products/${wrong.name}/signing-keys`, TOKENS.gateway!)).body.keys[0].id as string;
      logLines.length = 0;
      for (let i = 0; i < 3; i++) {
        const answer = await postGraphQL(gateway.url, { query: QUERY });
        const codes = (answer.body.errors ?? []).map((error: any) => error.extensions?.code);
        expect(codes).toContain('PRODUCT_ERROR');
        // The client learns the product and a code, never the key or the reason.
        expect(JSON.stringify(answer.body)).not.toContain(keyId);
      }
      const refusals = logLines.filter((line) => line.reason);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ product: wrong.name, reason: 'unknown-key', keyId });
      expect(refusals[0]!.msg).toContain(`product ${wrong.name} refused the gateway's signature: unknown-key`);
      const metrics = await (await fetch(gateway.url.replace(/graphql$/, 'metrics'))).text();
      const line = metrics.split('\n').find((l) => l.startsWith('meshgate_product_signature_refusals_total{') && l.includes(`product="${wrong.name}"`));
      expect(line).toContain('reason="unknown-key"');
      expect(line).toContain(`key_id="${keyId}"`);
      expect(Number(line!.split(' ').at(-1))).toBeGreaterThanOrEqual(3);
    } finally {
      await impostor.close();
    }
  });
});

describe('README: Signing keys and the development identity', () => {
  it('a product started with the registry URL and its own token verifies the gateway, through a rotation made with the CLI', async () => {
    const [productLine, rotateLine, ...rest] = readmeShellBlocks('Run a mesh of many repositories').find((block) => block.some((line) => line.includes('rotate-signing-key'))) ?? [];
    expect(rest).toEqual([]);
    const name = /npx meshgate product (\S+) /.exec(productLine ?? '')?.[1];
    expect(name && TOKENS[name]).toBeTruthy();
    const port = await freePort();
    const product = runShellLine(
      substituted(productLine!, [
        ['http://localhost:4100', server.url],
        [`<the ${name} token>`, TOKENS[name!]!],
        ['--port 4002', `--port ${port}`],
      ]),
      { cwd: REPO_ROOT },
    );
    try {
      await product.waitFor(/serving at (\S+)/);
      expect(product.output()).toContain(`${name} verifying with its keys from the registry at ${server.url}`);
      const body = '{"query":"{ _service { sdl } }"}';
      const ask = async () => {
        const key = (await fetchSigningKeys(new RegistryClient(server.url, TOKENS.gateway!), name!)).keys[0]!;
        return (await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(key, name!, body) }, body }))
          .status;
      };
      expect(await ask()).toBe(200);
      const rotate = runShellLine(substituted(rotateLine!, [['http://localhost:4100', server.url]]), { cwd: REPO_ROOT, env: { MESHGATE_REGISTRY_TOKEN: TOKENS.platform! } });
      expect(await rotate.exited).toBe(0);
      expect(rotate.output()).toContain('rotated');
      expect(await ask()).toBe(200);
    } finally {
      await product.stop();
    }
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('a product written from PROTOCOL.md alone', () => {
  it('fetches its own key from the registry with its own token, verifies the gateway with it, and follows a rotation', async () => {
    const own = await fetchKeysFromRegistry(server.url, TOKENS[FOREIGN]!, FOREIGN);
    const reviews = await startReviewsProduct(own, { refreshKeys: () => fetchKeysFromRegistry(server.url, TOKENS[FOREIGN]!, FOREIGN) });
    try {
      // Signed as a registry-fed gateway signs: with the newest key its gateway token reads.
      const gatewayKey = async () => (await fetchSigningKeys(new RegistryClient(server.url, TOKENS.gateway!), FOREIGN)).keys[0]!;
      const body = '{"query":"{ _service { sdl } }"}';
      const ask = async () => {
        const response = await fetch(reviews.url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(await gatewayKey(), FOREIGN, body) }, body });
        return response.status;
      };
      expect(await ask()).toBe(200);
      expect((await call('POST', '/v1/signing-keys/rotate', TOKENS.platform!)).status).toBe(200);
      // The new key id is unknown to it: it fetches its keys again and accepts.
      expect(await ask()).toBe(200);
      // Its token reads no other product's key.
      await expect(fetchKeysFromRegistry(server.url, TOKENS[FOREIGN]!, DEMO_MESH[0]!.name)).rejects.toThrow(/403/);
    } finally {
      await reviews.close();
    }
  });
});

/**
 * A pass-through in front of one product that records the key id of every signature the
 * gateway sent it, so the test sees when the gateway switched keys.
 */
async function recordingProxy(upstreamUrl: string): Promise<{ url: string; keyIds: string[]; close(): Promise<void> }> {
  const keyIds: string[] = [];
  const proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const signature = String(req.headers[SIGNATURE_HEADER] ?? '');
    keyIds.push(/;kid=([^;]*);/.exec(signature)?.[1] ?? '');
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const upstream = await fetch(upstreamUrl, { method: 'POST', headers, body });
    res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([name]) => !['content-length', 'transfer-encoding', 'connection'].includes(name))));
    res.end(await upstream.text());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`,
    keyIds,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
