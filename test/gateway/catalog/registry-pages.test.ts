import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryPages } from '../../../gateway/catalog/registry-pages.ts';
import { loadDescriptor } from '../../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../../schema/contracts/governance.ts';
import { openRegistryStore } from '../../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../../schema/registry/registry-tokens.ts';
import { Registry } from '../../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { readmeShellBlocks, substituted } from '../../support/readme-shell.ts';

/**
 * The registry's read-only pages over a real registry (its embedded DuckDB store) after
 * real publishes: the catalog of the current build, one product's version and check
 * history, and the builds. Two source products of the demo (no input ports), taken from
 * their published baselines, are imported; the first is then published again by its team.
 */
const ROOT = new URL('../../..', import.meta.url).pathname;
const baseline = (name: string) => ({
  product: name,
  descriptor: readFileSync(join(ROOT, 'schema', 'published', name, 'product.yaml'), 'utf8'),
  sdl: readFileSync(join(ROOT, 'schema', 'published', name, 'schema.graphql'), 'utf8'),
});
const products = DEMO_MESH.filter((member) => loadDescriptor(join(ROOT, 'schema', 'published', member.name, 'product.yaml')).inputPorts.length === 0)
  .slice(0, 2)
  .map((member) => baseline(member.name));
const [A] = products as [ReturnType<typeof baseline>];
const TOKENS = { platform: 'platform-token-0123456789', gateway: 'gateway-token-0123456789', a: 'product-a-token-0123456789' };
const version = (descriptor: string) => /^version: (\S+)$/m.exec(descriptor)![1]!;

let dir: string;
let registry: Registry;
let pages: ReturnType<typeof registryPages>;
let server: RunningRegistry;

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

async function page(path: string, token = TOKENS.gateway) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
}

beforeAll(async () => {
  expect(products).toHaveLength(2);
  dir = mkdtempSync(join(tmpdir(), 'registry-pages-'));
  registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
  const tokens = new RegistryTokens({
    maxBodyBytes: 1_048_576,
    tokens: [
      { kind: 'platform', name: 'platform', token: TOKENS.platform },
      { kind: 'gateway', name: 'edge', token: TOKENS.gateway },
      { kind: 'product', name: 'a-team', product: A.product, token: TOKENS.a },
    ],
  });
  pages = registryPages(registry);
  server = await startRegistryServer({ registry, tokens, log: () => {}, pages: pages.render });
  expect((await api('POST', '/v1/import', TOKENS.platform, { products })).status).toBe(201);
  const next = { ...A, descriptor: A.descriptor.replace(`version: ${version(A.descriptor)}`, `version: ${inc(version(A.descriptor), 'patch')}`) };
  const published = await api('POST', `/v1/products/${A.product}/versions`, TOKENS.a, next);
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  // A refused check: the history keeps it, with its findings.
  const refused = await api('POST', '/v1/check', TOKENS.a, { ...next, sdl: 'type Query { broken' });
  expect(refused.body.ok).toBe(false);
});

afterAll(async () => {
  await server?.close();
  pages?.close();
  await registry?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('registry pages', () => {
  it("/catalog is the catalog of the current build's products, with the current versions, and / is the same list", async () => {
    const mesh = (await api('GET', '/v1/mesh', TOKENS.gateway)).body as { products: { name: string; version: string }[] };
    expect(mesh.products.map((p) => p.name).sort()).toEqual(products.map((p) => p.product).sort());
    for (const path of ['/catalog', '/']) {
      const list = await page(path);
      expect([list.status, list.type]).toEqual([200, 'text/html; charset=utf-8']);
      expect([...list.html.matchAll(/<section class="product" id="product-[^"]+" data-product="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(mesh.products.map((p) => p.name).sort());
      for (const product of mesh.products) expect(list.html).toMatch(new RegExp(`data-product="${product.name}">\\n<h2>.*<span class="badge">${product.version.replace(/\./g, '\\.')}</span>`));
      // The registry has no explorer beside it: the page links its builds instead.
      expect(list.html).not.toContain('href="explorer"');
      expect(list.html).toContain('<a href="builds">builds</a>');
      expect(list.html).not.toContain('not served');
    }
    const search = await page(`/catalog?q=${encodeURIComponent(A.product)}`);
    expect(search.html).toContain(`data-product="${A.product}"`);
  });

  it("/catalog/<product> adds its version history (who, when) and check history (outcome, findings) to the catalog's page", async () => {
    const versions = (await api('GET', `/v1/products/${A.product}/versions`, TOKENS.gateway)).body as { version: string; publishedBy: string; publishedAt: string }[];
    const checks = (await api('GET', `/v1/products/${A.product}/checks`, TOKENS.gateway)).body as { id: number; ok: boolean; findings: { rule: string }[] }[];
    expect(versions.map((v) => v.publishedBy)).toEqual(['platform', 'a-team']);
    const { status, html } = await page(`/catalog/${A.product}`);
    expect(status).toBe(200);
    expect(html).toContain('<h2>Published fields</h2>');
    const rows = [...html.matchAll(/<tr data-version="([^"]+)"><td><code>[^<]*<\/code><\/td><td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => ({
      version: m[1],
      publishedBy: m[2],
      publishedAt: m[3],
    }));
    expect(rows).toEqual(versions.map(({ version, publishedBy, publishedAt }) => ({ version, publishedBy, publishedAt })).reverse());
    const shown = [...html.matchAll(/<tr data-check="(\d+)"><td>\d+<\/td><td><span class="badge \w+">(ok|refused)<\/span>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(shown).toEqual(checks.map((c) => [c.id, c.ok ? 'ok' : 'refused']).reverse());
    const refused = checks.find((c) => !c.ok)!;
    expect(refused.findings.map((f) => f.rule)).toContain('schema/invalid-sdl');
    expect(html).toContain('<code>schema/invalid-sdl</code>');
    // A product of the build other than A has its own history, and none of A's.
    const other = await page(`/catalog/${products[1]!.product}`);
    expect([...other.html.matchAll(/<tr data-version="/g)]).toHaveLength(1);
    expect(other.html).not.toContain('a-team');
    // Imported without a URL: it says it has none yet, not a placeholder host.
    expect(other.html).toContain('<span class="badge stale" data-no-url>no URL yet</span>');
    expect(other.html).not.toContain('.invalid');
  });

  it('/builds lists every build with its number, time and reason, and marks the current one', async () => {
    const builds = (await api('GET', '/v1/builds', TOKENS.gateway)).body as { build: number; createdAt: string; reason: string; current: boolean }[];
    expect(builds.length).toBe(2);
    const { status, html } = await page('/builds', TOKENS.a);
    expect(status).toBe(200);
    const rows = [...html.matchAll(/<tr data-build="(\d+)"><td>\d+<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => ({
      build: Number(m[1]),
      createdAt: m[2],
      reason: m[3],
      current: m[4]!.includes('current'),
    }));
    expect(rows).toEqual([...builds].reverse());
  });

  it('/approvals lists governed changes pending and decided, with who asked, who decided, when and why (escaped)', async () => {
    // A's team lowers two classifications (internal -> public), in two publishes: two requests.
    const internal = [...A.descriptor.matchAll(/^ {2}(\S+): \{ classification: internal/gm)].map((m) => m[1]!);
    expect(internal.length).toBeGreaterThanOrEqual(2);
    const current = (await api('GET', `/v1/products/${A.product}/baseline`, TOKENS.a)).body as { descriptor: string; sdl: string };
    const lowered = (field: string) => {
      const descriptor = current.descriptor.replace(`  ${field}: { classification: internal`, `  ${field}: { classification: public`);
      return { ...A, sdl: current.sdl, descriptor: descriptor.replace(/^version: (\S+)$/m, (_, v: string) => `version: ${inc(v, 'minor')}`) };
    };
    const first = await api('POST', `/v1/products/${A.product}/versions`, TOKENS.a, lowered(internal[0]!));
    expect([first.status, first.body.error.code]).toEqual([403, 'GOVERNED_CHANGE_UNAPPROVED']);
    const decided = await api('POST', `/v1/approvals/${first.body.error.approval.id}/reject`, TOKENS.platform, { reason: 'Not <b>public</b> data' });
    expect(decided.body.status).toBe('rejected');
    const second = await api('POST', `/v1/products/${A.product}/versions`, TOKENS.a, lowered(internal[1]!));
    expect(second.body.error.approval.status).toBe('pending');
    const { status, html } = await page('/approvals', TOKENS.a);
    expect(status).toBe(200);
    const pending = html.slice(html.indexOf('id="pending"'), html.indexOf('id="decided"'));
    const past = html.slice(html.indexOf('id="decided"'));
    expect([...pending.matchAll(/<tr data-approval="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([second.body.error.approval.id]);
    expect(pending).toContain(`<code>${internal[1]}</code>`);
    expect([...past.matchAll(/<tr data-approval="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([first.body.error.approval.id]);
    expect(past).toContain('<td>platform <span class="muted">(platform)</span></td>');
    expect(past).toContain('Not &lt;b&gt;public&lt;/b&gt; data');
    expect(past).toContain('<td>a-team</td>');
  });

  it("a path with no page: 404 NOT_FOUND as a page; the README's curl command shows the catalog", async () => {
    const missing = await page('/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('<code class="error-code">NOT_FOUND</code>');
    const unknown = await page('/catalog/no-such-product');
    expect(unknown.status).toBe(404);

    const curl = readmeShellBlocks('Run a mesh of many repositories')
      .flat()
      .find((line) => line.startsWith('curl '));
    expect(curl, 'the README shows how to open the pages with curl').toBeDefined();
    const line = `${substituted(curl!, [['http://localhost:4100/catalog', `${server.url}/catalog`]])} --fail --silent --show-error`;
    const { stdout } = await promisify(execFile)('sh', ['-c', line], { env: { ...process.env, MESHGATE_REGISTRY_TOKEN: TOKENS.gateway } });
    for (const product of products) expect(stdout).toContain(`data-product="${product.product}"`);
  });
});
