import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { modelSubgraph, sunsetDate } from '../../schema/product/subgraph-model.ts';
import { addDays } from '../../schema/base/utc-day.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The registry's checks are `meshgate check`'s, and the usage gateways post is what its
 * usage-aware rule reads: a deprecated field past its sunset may go, unless a client used
 * it within the deprecation window. The product is any demo source product (no input
 * ports) that has a deprecated field with a sunset; the registry's clock is the day after it.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
/** A product's published baseline: what a registry seeded from this repository (`registry import`) holds. */
const baselineDir = (name: string) => join(ROOT, 'schema', 'published', name);
const candidates = DEMO_MESH.flatMap((member) => {
  const descriptor = loadDescriptor(join(baselineDir(member.name), 'product.yaml'));
  const sdl = readFileSync(join(baselineDir(member.name), 'schema.graphql'), 'utf8');
  if (descriptor.inputPorts.length > 0) return [];
  const fields = [...modelSubgraph(sdl).types.values()].filter((type) => type.kind === 'object').flatMap((type) => [...type.fields.values()]);
  const deprecated = fields.find((field) => sunsetDate(field.deprecationReason) !== undefined);
  return deprecated ? [{ member, descriptor, sdl, deprecated }] : [];
});
const subject = candidates[0]!;
const { coordinate } = subject.deprecated;
const sunset = sunsetDate(subject.deprecated.deprecationReason)!;
const TOKENS = { platform: 'platform-token-0123456789', gateway: 'gateway-token-0123456789' };

/** The two stores behind the one interface: the embedded DuckDB file, and PostgreSQL in a schema of this run's own. */
const pg = await postgresAvailable();
const SCHEMA = `registry_contract_${process.pid}_${randomBytes(3).toString('hex')}`;
const STORES: [string, (dir: string) => string][] = [
  ['DuckDB', (dir) => join(dir, 'registry.duckdb')],
  ...(pg ? [['PostgreSQL', () => `${TEST_POSTGRES_URL}?schema=${SCHEMA}`] as [string, (dir: string) => string]] : []),
];

let dir: string;
let registry: Registry;
let server: RunningRegistry;

async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** The subject without its deprecated field (and that field's classification), one major version up. */
function withoutDeprecatedField() {
  const { name } = subject.deprecated;
  const sdl = subject.sdl.replace(new RegExp(`\\n\\s*"[^"\\n]*"\\n\\s*${name}: [^\\n]*@deprecated[^\\n]*`), '');
  const descriptor = readFileSync(join(baselineDir(subject.member.name), 'product.yaml'), 'utf8')
    .replace(new RegExp(`\\n\\s*${coordinate.replace('.', '\\.')}: [^\\n]*`), '')
    .replace(`version: ${subject.descriptor.version}`, `version: ${inc(subject.descriptor.version, 'major')}`);
  expect(sdl).not.toBe(subject.sdl);
  return { product: subject.member.name, descriptor, sdl };
}

describe.each(STORES)('registry on %s: builds, the supergraph with ETag, and usage-aware checks', (_name, location) => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registry-contract-'));
    registry = await Registry.open(await openRegistryStore(location(dir)), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8'), today: () => addDays(sunset, 1) });
    const tokens = new RegistryTokens({
      maxBodyBytes: 1_048_576,
      tokens: [
        { kind: 'platform', name: 'platform', token: TOKENS.platform },
        { kind: 'gateway', name: 'edge', token: TOKENS.gateway },
      ],
    });
    server = await startRegistryServer({ registry, tokens });
  });

  afterAll(async () => {
    await server?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
    if (location(dir).startsWith('postgres')) await dropPostgresSchema(SCHEMA);
  });

  it('before any publish: no supergraph (503 SUPERGRAPH_NOT_LOADED), an empty mesh with its governance', async () => {
    const none = await call('GET', '/v1/supergraph', TOKENS.gateway);
    expect([none.status, none.json().error.code]).toEqual([503, 'SUPERGRAPH_NOT_LOADED']);
    expect((await call('GET', '/v1/mesh', TOKENS.gateway)).json()).toEqual({ build: null, products: [], governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
  });

  it('imports a published baseline as build 1 and serves its supergraph with an ETag that answers 304', async () => {
    const imported = await call('POST', '/v1/import', TOKENS.platform, {
      products: [{ product: subject.member.name, descriptor: readFileSync(join(baselineDir(subject.member.name), 'product.yaml'), 'utf8'), sdl: subject.sdl, url: 'http://127.0.0.1:1/graphql' }],
    });
    expect([imported.status, imported.text]).toEqual([201, JSON.stringify({ build: 1, products: 1 })]);
    const first = await call('GET', '/v1/supergraph', TOKENS.gateway);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-meshgate-build')).toBe('1');
    expect(first.text).toContain(`join__graph(name: "${subject.member.name}", url: "http://127.0.0.1:1/graphql")`);
    const again = await call('GET', '/v1/supergraph', TOKENS.gateway, undefined, { 'if-none-match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    const mesh = (await call('GET', '/v1/mesh', TOKENS.gateway)).json();
    expect(mesh).toMatchObject({ build: 1, products: [{ name: subject.member.name, version: subject.descriptor.version, publishedBy: 'platform' }] });
    expect(mesh.governance).toBe(readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8'));
  });

  it('removing a deprecated field after its sunset: a client a gateway reports using it adds compat/removed-field-in-use', async () => {
    const removal = withoutDeprecatedField();
    const rules = (outcome: { findings: { rule: string; element: string }[] }) => outcome.findings.map((f) => `${f.rule} ${f.element}`);
    const unused = (await call('POST', '/v1/check', TOKENS.platform, removal)).json();
    expect(rules(unused)).not.toContain(`compat/removed-field-in-use ${coordinate}`);

    const posted = await call('POST', '/v1/usage', TOKENS.gateway, { records: [{ field: coordinate, client: 'finance-dashboard', day: sunset, count: 3 }] });
    expect(posted.status).toBe(202);
    const used = (await call('POST', '/v1/check', TOKENS.platform, removal)).json();
    expect(used.ok).toBe(false);
    // What the usage adds, whatever else the removal finds: one finding naming the field.
    expect(rules(used).filter((rule: string) => !rules(unused).includes(rule))).toEqual([`compat/removed-field-in-use ${coordinate}`]);

    const refused = await call('POST', `/v1/products/${subject.member.name}/versions`, TOKENS.platform, removal);
    expect(refused.status).toBe(422);
    expect(refused.json().error.code).toBe('PUBLISH_REFUSED');
    const history = (await call('GET', `/v1/products/${subject.member.name}/checks`, TOKENS.gateway)).json();
    expect(history.map((check: { ok: boolean }) => check.ok)).toEqual([true, unused.ok, false, false]);
    const versions = (await call('GET', `/v1/products/${subject.member.name}/versions`, TOKENS.gateway)).json();
    expect(versions).toEqual([{ version: subject.descriptor.version, publishedBy: 'platform', publishedAt: expect.any(String), url: 'http://127.0.0.1:1/graphql', checkId: history[0].id }]);
  });

  it('a rollback is a new build pointing at an earlier supergraph; the builds list says which is current', async () => {
    const rollback = await call('POST', '/v1/builds/1/rollback', TOKENS.platform);
    expect(rollback.json()).toEqual({ build: 2, rolledBackTo: 1 });
    const builds = (await call('GET', '/v1/builds', TOKENS.gateway)).json();
    expect(builds.map((b: { build: number; reason: string; current: boolean }) => [b.build, b.reason, b.current])).toEqual([
      [1, 'import of 1 products', false],
      [2, 'rollback to 1', true],
    ]);
    const first = await call('GET', '/v1/supergraph', TOKENS.gateway);
    expect(first.headers.get('x-meshgate-build')).toBe('2');
  });

  it('governance: a file that is not governance is a 400, one the mesh would fail is refused with the findings, a valid one makes a build', async () => {
    const current = readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8');
    const before = (await call('GET', '/v1/builds', TOKENS.gateway)).json().length;
    const invalid = await call('PUT', '/v1/governance', TOKENS.platform, undefined, {});
    expect([invalid.status, invalid.json().error.code]).toEqual([400, 'BAD_REQUEST']);
    // Field names must start upper-case: every product's fields now fail lint.
    const failing = await fetch(`${server.url}/v1/governance`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKENS.platform}` },
      body: current.replace(/field: '\^\[a-z\]/, "field: '^[A-Z]"),
    });
    const refused = (await failing.json()) as { error: { code: string; findings: { rule: string }[] } };
    expect([failing.status, refused.error.code]).toEqual([422, 'PUBLISH_REFUSED']);
    expect(new Set(refused.error.findings.map((f) => f.rule))).toEqual(new Set(['lint/field-name']));
    const stricter = current.replace(/^deprecationWindowDays: \d+/m, 'deprecationWindowDays: 120');
    expect(stricter).not.toBe(current);
    const accepted = await fetch(`${server.url}/v1/governance`, { method: 'PUT', headers: { authorization: `Bearer ${TOKENS.platform}` }, body: stricter });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ build: before + 1 });
    expect((await call('GET', '/v1/mesh', TOKENS.gateway)).json().governance).toBe(stricter);
  });

  it('a usage batch larger than one statement, with repeated keys, is stored as per-key totals', async () => {
    const day = addDays(sunset, -1);
    const records = Array.from({ length: 600 }, (_, index) => ({ field: 'Batch.field', client: `client-${index % 300}`, day, count: 1 }));
    expect((await call('POST', '/v1/usage', TOKENS.gateway, { records })).status).toBe(202);
    const rows = (await call('GET', `/v1/usage?field=Batch.field&since=${day}&until=${day}`, TOKENS.gateway)).json() as { client: string; count: number }[];
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((row) => row.count))).toEqual(new Set([2]));
  });
});
