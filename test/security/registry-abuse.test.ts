import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryPages } from '../../gateway/catalog/registry-pages.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * Hostile requests to the registry (on its embedded DuckDB store), each with the exact
 * status and code it gets. Two source products of the demo (no input ports) play A and B.
 */
const sources = DEMO_MESH.filter((member) => loadDescriptor(join(member.definition.dir, 'product.yaml')).inputPorts.length === 0);
const [A, B] = sources.map((member) => ({
  product: member.name,
  descriptor: readFileSync(join(member.definition.dir, 'product.yaml'), 'utf8'),
  sdl: readFileSync(join(member.definition.dir, 'schema.graphql'), 'utf8'),
})) as [Candidate, Candidate];
type Candidate = { product: string; descriptor: string; sdl: string };

const TOKENS = { platform: 'platform-token-0123456789', gateway: 'gateway-token-0123456789', a: 'product-a-token-0123456789', b: 'product-b-token-0123456789' };
const MAX_BODY = 256 * 1024;
const ROOT = new URL('../..', import.meta.url).pathname;

let dir: string;
let registry: Registry;
let server: RunningRegistry;
let pages: ReturnType<typeof registryPages>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'registry-abuse-'));
  registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
  const tokens = new RegistryTokens({
    maxBodyBytes: MAX_BODY,
    tokens: [
      { kind: 'platform', name: 'platform', token: TOKENS.platform },
      { kind: 'gateway', name: 'edge', token: TOKENS.gateway },
      { kind: 'product', name: 'a-team', product: A.product, token: TOKENS.a },
      { kind: 'product', name: 'b-team', product: B.product, token: TOKENS.b },
    ],
  });
  pages = registryPages(registry);
  server = await startRegistryServer({ registry, tokens, maxBodyBytes: MAX_BODY, log: () => {}, pages: pages.render });
  // A is in the registry (its published baseline, imported), so a baseline and a supergraph exist for the reads below.
  const baseline = join(ROOT, 'schema', 'published', A.product);
  const imported = await call(
    'POST',
    '/v1/import',
    TOKENS.platform,
    JSON.stringify({ products: [{ product: A.product, descriptor: readFileSync(join(baseline, 'product.yaml'), 'utf8'), sdl: readFileSync(join(baseline, 'schema.graphql'), 'utf8') }] }),
  );
  expect(imported.status, JSON.stringify(imported.body)).toBe(201);
});

afterAll(async () => {
  await server?.close();
  pages?.close();
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, token: string | undefined, body?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

const code = (result: { body: any }) => result.body?.error?.code;

describe('registry abuse: every refusal has its exact status and code', () => {
  it('no token: 401 UNAUTHENTICATED, on known and unknown paths alike', async () => {
    for (const path of ['/v1/mesh', '/v1/supergraph', '/v1/nothing-here']) {
      const result = await call('GET', path, undefined);
      expect([result.status, code(result)]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('a wrong token, or one that is a known token with a byte changed: 401 UNAUTHENTICATED', async () => {
    for (const token of ['nope', `${TOKENS.platform.slice(0, -1)}X`, `${TOKENS.platform} extra`]) {
      const result = await call('GET', '/v1/mesh', token);
      expect([result.status, code(result)]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it("product A's token publishing (or checking) product B: 403 REGISTRY_FORBIDDEN, and nothing is stored", async () => {
    const before = (await call('GET', '/v1/builds', TOKENS.platform)).body.length;
    const publish = await call('POST', `/v1/products/${B.product}/versions`, TOKENS.a, JSON.stringify(B));
    expect([publish.status, code(publish)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const check = await call('POST', '/v1/check', TOKENS.a, JSON.stringify(B));
    expect([check.status, code(check)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    expect((await call('GET', '/v1/builds', TOKENS.platform)).body.length).toBe(before);
  });

  it("a body naming B under A's path: 400 BAD_REQUEST", async () => {
    const result = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.a, JSON.stringify({ ...B, product: B.product }));
    expect([result.status, code(result)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('a gateway token publishing, rolling back or setting governance: 403 REGISTRY_FORBIDDEN', async () => {
    const publish = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.gateway, JSON.stringify(A));
    expect([publish.status, code(publish)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const rollback = await call('POST', '/v1/builds/1/rollback', TOKENS.gateway);
    expect([rollback.status, code(rollback)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const governance = await call('PUT', '/v1/governance', TOKENS.gateway, 'lint: {}');
    expect([governance.status, code(governance)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
  });

  it('a product token reading the supergraph, rolling back or posting usage: 403 REGISTRY_FORBIDDEN', async () => {
    for (const [method, path] of [
      ['GET', '/v1/supergraph'],
      ['POST', '/v1/builds/1/rollback'],
      ['POST', '/v1/usage'],
    ] as const) {
      const result = await call(method, path, TOKENS.a, method === 'GET' ? undefined : '{"records":[]}');
      expect([path, result.status, code(result)]).toEqual([path, 403, 'REGISTRY_FORBIDDEN']);
    }
  });

  it('an oversize body: 413 BODY_TOO_LARGE, and the registry keeps answering', async () => {
    const huge = JSON.stringify({ ...A, sdl: `${A.sdl}\n${'#'.repeat(MAX_BODY)}` });
    const result = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.a, huge);
    expect([result.status, code(result)]).toEqual([413, 'BODY_TOO_LARGE']);
    expect((await call('GET', '/healthz', undefined)).status).toBe(200);
  });

  it('malformed JSON, or JSON of the wrong shape: 400 BAD_REQUEST', async () => {
    for (const body of ['{"product": ', 'null', '[]', JSON.stringify({ product: A.product, descriptor: 1, sdl: '' }), JSON.stringify({ ...A, extra: true })]) {
      const result = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.a, body);
      expect([body.slice(0, 20), result.status, code(result)]).toEqual([body.slice(0, 20), 400, 'BAD_REQUEST']);
    }
    const usage = await call('POST', '/v1/usage', TOKENS.gateway, JSON.stringify({ records: [{ field: 'x; DROP TABLE', client: 'c', day: '2020-01-01', count: 1 }] }));
    expect([usage.status, code(usage)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('SDL that does not parse: 422 PUBLISH_REFUSED with the schema/invalid-sdl finding; the build stays', async () => {
    const before = (await call('GET', '/v1/builds', TOKENS.platform)).body.length;
    // At a new version: the published one may never change (VERSION_EXISTS, in its own test).
    const descriptor = A.descriptor.replace(/^version: (\S+)$/m, (_, v: string) => `version: ${inc(v, 'patch')}`);
    const result = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.a, JSON.stringify({ ...A, descriptor, sdl: 'type Query { broken' }));
    expect([result.status, code(result)]).toEqual([422, 'PUBLISH_REFUSED']);
    expect(result.body.error.findings.map((f: { rule: string }) => f.rule)).toContain('schema/invalid-sdl');
    expect((await call('GET', '/v1/builds', TOKENS.platform)).body.length).toBe(before);
  });

  it('a descriptor naming another product than the path: 422 PUBLISH_REFUSED (descriptor/name-mismatch)', async () => {
    const result = await call('POST', `/v1/products/${A.product}/versions`, TOKENS.a, JSON.stringify({ ...A, descriptor: B.descriptor }));
    expect([result.status, code(result)]).toEqual([422, 'PUBLISH_REFUSED']);
    expect(result.body.error.findings.map((f: { rule: string }) => f.rule)).toContain('descriptor/name-mismatch');
  });

  it('path traversal in product names: 400 BAD_REQUEST, never a file', async () => {
    // (A bare `..` segment, even as %2e%2e, never arrives: URL parsing resolves it on the client.)
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '..%5C..%5Cwindows', 'Sales', 'a%00b', '%E0%A4%A']) {
      const publish = await call('POST', `/v1/products/${name}/versions`, TOKENS.platform, JSON.stringify({ ...A, product: decodeURIComponentSafe(name) }));
      expect([name, publish.status, code(publish)]).toEqual([name, 400, 'BAD_REQUEST']);
      const baseline = await call('GET', `/v1/products/${name}/baseline`, TOKENS.platform);
      expect([name, baseline.status, code(baseline)]).toEqual([name, 400, 'BAD_REQUEST']);
    }
    const check = await call('POST', '/v1/check', TOKENS.platform, JSON.stringify({ ...A, product: '../../etc' }));
    expect([check.status, code(check)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('a baseline of a product never published: 404 PRODUCT_UNKNOWN', async () => {
    const result = await call('GET', `/v1/products/${B.product}/baseline`, TOKENS.b);
    expect([result.status, code(result)]).toEqual([404, 'PRODUCT_UNKNOWN']);
  });

  it('rollback to a build that does not exist: 404 BUILD_UNKNOWN, and no build is added', async () => {
    const before = (await call('GET', '/v1/builds', TOKENS.platform)).body.length;
    for (const build of ['999999', '0', 'abc', '-1', '1e3', '99999999999999999999']) {
      const result = await call('POST', `/v1/builds/${build}/rollback`, TOKENS.platform);
      expect([build, result.status, code(result)]).toEqual([build, 404, 'BUILD_UNKNOWN']);
    }
    expect((await call('GET', '/v1/builds', TOKENS.platform)).body.length).toBe(before);
  });

  it('an import by a product token: 403 REGISTRY_FORBIDDEN; by the platform into a registry that has builds: 400 BAD_REQUEST', async () => {
    const byProduct = await call('POST', '/v1/import', TOKENS.a, JSON.stringify({ products: [A] }));
    expect([byProduct.status, code(byProduct)]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const intoUsed = await call('POST', '/v1/import', TOKENS.platform, JSON.stringify({ products: [B] }));
    expect([intoUsed.status, code(intoUsed)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('a wrong method: 405 METHOD_NOT_ALLOWED; an unknown path with a good token: 404 NOT_FOUND', async () => {
    const method = await call('DELETE', '/v1/supergraph', TOKENS.platform);
    expect([method.status, code(method)]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    const unknown = await call('GET', '/v1/secrets', TOKENS.platform);
    expect([unknown.status, code(unknown)]).toEqual([404, 'NOT_FOUND']);
  });

  it('the pages without a token, with a wrong one, or with one outside the Authorization header: a 401 page saying UNAUTHENTICATED', async () => {
    const attempts: [string, Record<string, string>][] = [
      ['/catalog', {}],
      ['/builds', {}],
      [`/catalog/${A.product}`, {}],
      ['/', {}],
      ['/catalog', { authorization: 'Bearer nope' }],
      ['/catalog', { authorization: `Basic ${Buffer.from(`x:${TOKENS.platform}`).toString('base64')}` }],
      [`/catalog?token=${TOKENS.platform}`, {}],
      ['/catalog', { cookie: `token=${TOKENS.platform}` }],
    ];
    for (const [path, headers] of attempts) {
      const response = await fetch(`${server.url}${path}`, { headers });
      const html = await response.text();
      expect([path, response.status, response.headers.get('content-type'), response.headers.get('www-authenticate')]).toEqual([
        path,
        401,
        'text/html; charset=utf-8',
        'Bearer realm="meshgate-registry"',
      ]);
      expect(html).toContain('<code class="error-code">UNAUTHENTICATED</code>');
      expect(html).not.toContain(A.product);
    }
  });

  it("a publisher's <script> in a description and in a check's findings is escaped on every page, and no page may run a script", async () => {
    const script = '<script>alert(1)</script>';
    const baseline = join(ROOT, 'schema', 'published', A.product);
    const descriptor = readFileSync(join(baseline, 'product.yaml'), 'utf8');
    const version = /^version: (\S+)$/m.exec(descriptor)![1]!;
    const hostile = descriptor.replace(/^version: .*$/m, `version: ${inc(version, 'patch')}`).replace(/^ {2}purpose: .*$/m, `  purpose: "${script}"`);
    expect(hostile).toContain(script);
    const publish = await call(
      'POST',
      `/v1/products/${A.product}/versions`,
      TOKENS.a,
      JSON.stringify({ product: A.product, descriptor: hostile, sdl: readFileSync(join(baseline, 'schema.graphql'), 'utf8') }),
    );
    expect(publish.status, JSON.stringify(publish.body)).toBe(201);
    // The contact is echoed in the refusal's finding, which the check history shows.
    const refused = await call('POST', '/v1/check', TOKENS.a, JSON.stringify({ ...A, descriptor: hostile.replace(/^ {2}contact: .*$/m, `  contact: "${script}"`) }));
    expect(refused.body.findings.map((f: { message: string }) => f.message).join('\n')).toContain(script);
    for (const [path, status] of [
      ['/catalog', 200],
      [`/catalog/${A.product}`, 200],
      [`/catalog?q=${encodeURIComponent(script)}`, 200],
      ['/catalog/%3Cscript%3E', 404],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } });
      const html = await response.text();
      expect([path, response.status]).toEqual([path, status]);
      expect(html).not.toMatch(/<script/i);
      expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none';/);
      if (path.startsWith(`/catalog/${A.product}`)) expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBeGreaterThanOrEqual(2);
    }
  });

  it('/health (and /healthz) tell an anonymous caller nothing but that it is up', async () => {
    for (const path of ['/health', '/healthz']) {
      expect(await call('GET', path, undefined)).toEqual({ status: 200, body: { status: 'ok' } });
      // Only the probe: a path under it, or another method, is refused like any unauthenticated call.
      expect((await call('GET', `${path}/x`, undefined)).status).toBe(401);
      expect((await call('POST', path, undefined, '{}')).status).toBe(401);
    }
  });
});

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
