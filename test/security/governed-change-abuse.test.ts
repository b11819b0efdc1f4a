import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRegistry } from '../support/registry-call.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { closeProducts, startGatewayFor, startProducts, type MeshHarness, type MeshProducts } from '../support/mesh-harness.ts';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * Issue 22, attacks 1-4, as a hostile product team makes them: with its own product token
 * against a real registry (on PostgreSQL and on the embedded DuckDB store) that a real
 * gateway polls. Each is refused with its exact code, the registry makes no build, and the
 * gateway answers as before. An approval on record (never by a product token, never by
 * whoever asked) lets the same publish through.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const pg = await postgresAvailable();
const GOVERNANCE = readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8');

type Candidate = { product: string; descriptor: string; sdl: string };
const published = (name: string): Candidate => ({
  product: name,
  descriptor: readFileSync(join(ROOT, 'schema', 'published', name, 'product.yaml'), 'utf8'),
  sdl: readFileSync(join(ROOT, 'schema', 'published', name, 'schema.graphql'), 'utf8'),
});

/** A candidate changed by `edits` (each must change something) and, unless `version` is false, bumped. */
function changed(base: Candidate, edits: [string | RegExp, string][], bump: 'patch' | 'minor' | 'major' | false = 'patch', descriptorEdits: [string | RegExp, string][] = []): Candidate {
  let { sdl, descriptor } = base;
  for (const [from, to] of edits) {
    const next = sdl.replace(from, to);
    expect(next, `SDL edit ${String(from)}`).not.toBe(sdl);
    sdl = next;
  }
  for (const [from, to] of descriptorEdits) {
    const next = descriptor.replace(from, to);
    expect(next, `descriptor edit ${String(from)}`).not.toBe(descriptor);
    descriptor = next;
  }
  if (bump) {
    const version = /^version: (\S+)$/m.exec(descriptor)![1]!;
    descriptor = descriptor.replace(/^version: \S+$/m, `version: ${inc(version, bump)}`);
  }
  return { ...base, sdl, descriptor };
}

const ANONYMOUS_BILLING = '{ customer(id: "C00042") { id billingCountry } }';
const ANONYMOUS_REVENUE = '{ __typename }';

function storeCases(): { name: string; location: (dir: string) => string; cleanup?: () => Promise<void> }[] {
  const schema = `governed_${process.pid}_${randomBytes(3).toString('hex')}`;
  return [
    { name: 'the embedded DuckDB store', location: (dir) => join(dir, 'registry.duckdb') },
    ...(pg ? [{ name: 'PostgreSQL', location: () => `${TEST_POSTGRES_URL}?schema=${schema}`, cleanup: () => dropPostgresSchema(schema) }] : []),
  ];
}

let products: MeshProducts;
// One mesh secret for the products and the gateway, as a one-repository mesh has: the registry's key hand-out is another test's.
const SIGNING_SECRET = randomBytes(24).toString('hex');
beforeAll(async () => {
  process.env.MESHGATE_SIGNING_SECRET = SIGNING_SECRET;
  products = await startProducts();
});
afterAll(async () => {
  if (products) await closeProducts(products);
  delete process.env.MESHGATE_SIGNING_SECRET;
});

describe.each(storeCases())('governed changes at the registry, on $name', ({ location, cleanup }) => {
  const TOKENS = {
    platform: randomBytes(16).toString('hex'),
    steward: randomBytes(16).toString('hex'),
    gateway: randomBytes(16).toString('hex'),
    ...Object.fromEntries(DEMO_MESH.map((m) => [m.name, randomBytes(16).toString('hex')])),
  } as Record<string, string>;
  let dir: string;
  let registry: Registry;
  let server: RunningRegistry;
  let mesh: MeshHarness;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'governed-'));
    registry = await Registry.open(await openRegistryStore(location(dir)), { governance: GOVERNANCE });
    const tokens = new RegistryTokens({
      maxBodyBytes: 1_048_576,
      tokens: [
        { kind: 'platform', name: 'platform-team', token: TOKENS.platform! },
        { kind: 'steward', name: 'data-steward', token: TOKENS.steward! },
        { kind: 'gateway', name: 'edge', token: TOKENS.gateway! },
        ...DEMO_MESH.map((m) => ({ kind: 'product' as const, name: `${m.name}-ci`, product: m.name, token: TOKENS[m.name]! })),
      ],
    });
    server = await startRegistryServer({ registry, tokens, log: () => {} });
    const imported = await call('POST', '/v1/import', TOKENS.platform!, { products: DEMO_MESH.map((m) => ({ ...published(m.name), url: products[m.name]!.running.url })) });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    // A real gateway, polling the registry as a replica does.
    mesh = await startGatewayFor(products, { registry: { url: server.url, token: TOKENS.gateway }, supergraph: { pollIntervalMs: 100 } }, {}, async () => {});
  });

  afterAll(async () => {
    await mesh?.close();
    await server?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
    await cleanup?.();
  });

  const call = (method: string, path: string, token: string, body?: unknown) => callRegistry(server.url, method, path, token, body);

  const publish = (candidate: Candidate, token = TOKENS[candidate.product]!) => call('POST', `/v1/products/${candidate.product}/versions`, token, candidate);
  const builds = async () => (await call('GET', '/v1/builds', TOKENS.platform!)).body.length as number;
  const history = async (product: string) => (await call('GET', `/v1/products/${product}/versions`, TOKENS.platform!)).body as { version: string }[];
  /** What the gateway answers, reduced to what must not move: data and error codes. */
  const answer = async (query: string, authorization = '') => {
    const result = await mesh.query(query, undefined, { authorization });
    return { data: result.body.data, codes: (result.body.errors ?? []).map((e) => e.extensions?.code) };
  };

  /** A refused publish: its status and code, no new build, no new version, the gateway answering `query` as before. */
  async function refused(candidate: Candidate, status: number, code: string, query = ANONYMOUS_BILLING) {
    const [before, buildsBefore, historyBefore] = await Promise.all([answer(query), builds(), history(candidate.product)]);
    const result = await publish(candidate);
    expect([result.status, result.body?.error?.code], JSON.stringify(result.body).slice(0, 2000)).toEqual([status, code]);
    expect(await builds()).toBe(buildsBefore);
    expect(await history(candidate.product)).toEqual(historyBefore);
    // Several polls later the gateway still serves the same build and answers the same.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await answer(query)).toEqual(before);
    return result.body.error as { code: string; findings: { rule: string; code?: string; element: string; change?: string }[]; approval?: { id: number; status: string } };
  }

  it('anonymous callers cannot read Customer.billingCountry before any attack', async () => {
    const before = await answer(ANONYMOUS_BILLING);
    expect(before.data.customer.billingCountry).toBeNull();
    expect(before.codes).toContain('FORBIDDEN_FIELD');
  });

  let billingRequest = 0;
  const dropAuthenticated = () => changed(published('customers'), [[/(billingCountry: String) @authenticated/, '$1']]);

  it('attack 1: dropping @authenticated from Customer.billingCountry, with a version bump: 403 GOVERNED_CHANGE_UNAPPROVED, a pending request', async () => {
    const error = await refused(dropAuthenticated(), 403, 'GOVERNED_CHANGE_UNAPPROVED');
    expect(error.findings.map((f) => [f.rule, f.element])).toEqual([['access/weakened', 'Customer.billingCountry']]);
    expect(error.approval).toMatchObject({ status: 'pending', product: 'customers', requestedBy: 'customers-ci' });
    billingRequest = error.approval!.id;
    // Retrying the same publish does not pile up requests.
    expect((await publish(dropAuthenticated())).body.error.approval.id).toBe(billingRequest);
  });

  it('attack 1: dropping @policy from Customer.churnRiskLevel: 403 GOVERNED_CHANGE_UNAPPROVED', async () => {
    const candidate = changed(published('customer-insights'), [[/(churnRiskLevel: ChurnRisk @requires\(fields: "[^"]+"\)) @policy\(policies: \[\["customer-data-steward"\]\]\)/, '$1']]);
    const error = await refused(candidate, 403, 'GOVERNED_CHANGE_UNAPPROVED', '{ customer(id: "C00042") { id churnRiskLevel } }');
    expect(error.findings.map((f) => [f.rule, f.element])).toEqual([['access/weakened', 'Customer.churnRiskLevel']]);
  });

  it('attack 2: declassifying ForecastTotal.expectedRevenueUsd with a major bump: 403 GOVERNED_CHANGE_UNAPPROVED', async () => {
    const candidate = changed(published('forecasts'), [], 'major', [
      ['ForecastTotal.expectedRevenueUsd: { classification: confidential }', 'ForecastTotal.expectedRevenueUsd: { classification: public }'],
    ]);
    const error = await refused(candidate, 403, 'GOVERNED_CHANGE_UNAPPROVED', ANONYMOUS_REVENUE);
    expect(error.findings.map((f) => [f.rule, f.element])).toEqual([['access/weakened', 'ForecastTotal.expectedRevenueUsd']]);
  });

  const override = () =>
    changed(
      published('sales'),
      [
        ['"@listSize"]', '"@listSize", "@override"]'],
        [/(type Customer @key\(fields: "id"\) \{\n\s*"The CRM customer id."\n\s*id: ID!\n)/, '$1  "Full name, served by sales."\n  fullName: String @override(from: "customers")\n'],
      ],
      'minor',
      [[/^fields:\n/m, 'fields:\n  Customer.fullName: { classification: restricted }\n']],
    );

  it('attack 3: sales taking Customer.fullName over with @override(from: "customers"): 403 COORDINATE_TAKEOVER', async () => {
    const error = await refused(override(), 403, 'COORDINATE_TAKEOVER');
    expect(error.findings.map((f) => [f.rule, f.element])).toEqual([['ownership/takeover', 'Customer.fullName']]);
    expect(error.approval).toMatchObject({ status: 'pending', product: 'sales' });
  });

  // No approval could make this build servable (every gateway refuses a policy defined twice), so the
  // publish is refused outright, naming both the takeover and the admission that would fail.
  it('attack 3: sales applying its own @meshgate__policy that shadows a governance policy: 422 PUBLISH_REFUSED, the takeover and the unservable build named', async () => {
    const candidate = changed(published('sales'), [[/^(extend schema\n)/, '$1  @meshgate__policy(name: "customer-data-steward", requiresScopes: [], requiresAuthentication: false)\n']]);
    const error = await refused(candidate, 422, 'PUBLISH_REFUSED');
    expect(error.findings.map((f) => [f.rule, f.code])).toEqual(
      expect.arrayContaining([
        ['ownership/governance-shadowed', 'COORDINATE_TAKEOVER'],
        ['supergraph/not-servable', 'SUPERGRAPH_INVALID'],
      ]),
    );
  });

  it('attack 4: re-publishing customers at its published version with other content: 409 VERSION_EXISTS; identical content: the same answer, nothing new', async () => {
    const same = published('customers');
    await refused(changed(same, [['"Commercial segment."', '"Commercial segment of the customer."']], false), 409, 'VERSION_EXISTS');
    const [buildsBefore, historyBefore] = await Promise.all([builds(), history('customers')]);
    const again = await publish(same);
    expect([again.status, again.body]).toEqual([200, { build: 1, version: /^version: (\S+)$/m.exec(same.descriptor)![1], unchanged: true }]);
    expect(await builds()).toBe(buildsBefore);
    expect(await history('customers')).toEqual(historyBefore);
    // The same contract at another URL is the service moving, not the version changing: a new build routes to it.
    const moved = await publish({ ...same, url: `${products.customers!.running.url}?moved` } as Candidate);
    expect([moved.status, moved.body.build]).toEqual([201, buildsBefore + 1]);
  });

  it('a product token never approves; whoever asked never decides; a reason is required', async () => {
    const byProduct = await call('POST', `/v1/approvals/${billingRequest}/approve`, TOKENS.customers!, { reason: 'we say so' });
    expect([byProduct.status, byProduct.body.error.code]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const byOtherProduct = await call('POST', `/v1/approvals/${billingRequest}/approve`, TOKENS.sales!, { reason: 'we say so' });
    expect([byOtherProduct.status, byOtherProduct.body.error.code]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const byGateway = await call('POST', `/v1/approvals/${billingRequest}/approve`, TOKENS.gateway!, { reason: 'x' });
    expect([byGateway.status, byGateway.body.error.code]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const noReason = await call('POST', `/v1/approvals/${billingRequest}/approve`, TOKENS.steward!, { reason: ' ' });
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const unknown = await call('POST', '/v1/approvals/99999/approve', TOKENS.steward!, { reason: 'x' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'APPROVAL_UNKNOWN']);
    // The platform publishing itself, then approving its own request.
    const own = changed(published('customers'), [[/(fullName: String) @requiresScopes\(scopes: \[\["pii:read"\]\]\)/, '$1']], 'minor');
    const refusal = await publish(own, TOKENS.platform!);
    expect(refusal.body.error.code).toBe('GOVERNED_CHANGE_UNAPPROVED');
    const self = await call('POST', `/v1/approvals/${refusal.body.error.approval.id}/approve`, TOKENS.platform!, { reason: 'mine' });
    expect([self.status, self.body.error.code]).toEqual([403, 'REGISTRY_FORBIDDEN']);
    const rejected = await call('POST', `/v1/approvals/${refusal.body.error.approval.id}/reject`, TOKENS.steward!, { reason: 'Names are personal data.' });
    expect([rejected.status, rejected.body.status]).toEqual([200, 'rejected']);
    const twice = await call('POST', `/v1/approvals/${refusal.body.error.approval.id}/approve`, TOKENS.steward!, { reason: 'changed my mind' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'APPROVAL_DECIDED']);
  });

  it('a steward approval lets the same publish through, on record; the gateway then serves it', async () => {
    const approved = await call('POST', `/v1/approvals/${billingRequest}/approve`, TOKENS.steward!, { reason: 'Country codes are reference data (DPO-4411).' });
    expect([approved.status, approved.body]).toMatchObject([
      200,
      { id: billingRequest, status: 'approved', decidedBy: 'data-steward', decidedAs: 'steward', reason: 'Country codes are reference data (DPO-4411).', requestedBy: 'customers-ci' },
    ]);
    expect(approved.body.changes.map((c: { element: string }) => c.element)).toEqual(['Customer.billingCountry']);
    const before = await builds();
    const result = await publish(dropAuthenticated());
    expect([result.status, result.body.build], JSON.stringify(result.body).slice(0, 1000)).toEqual([201, before + 1]);
    const decided = (await call('GET', '/v1/approvals?status=decided', TOKENS.customers!)).body as { id: number; decidedAt: string }[];
    expect(decided.find((a) => a.id === billingRequest)?.decidedAt).toEqual(expect.any(String));
    // The gateway picks the build up: an anonymous caller now reads the field the steward opened.
    let now = await answer(ANONYMOUS_BILLING);
    for (let poll = 0; poll < 100 && now.codes.length > 0; poll++) now = await answer(ANONYMOUS_BILLING);
    expect(now).toEqual({ data: { customer: { id: 'C00042', billingCountry: expect.any(String) } }, codes: [] });
  });

  it('the owning product consents to a takeover of its own field; the pending list shows what waits', async () => {
    const pending = (await call('GET', '/v1/approvals?status=pending', TOKENS.steward!)).body as { id: number; product: string; changes: { rule: string }[] }[];
    const takeover = pending.find((a) => a.product === 'sales' && a.changes.every((c) => c.rule === 'ownership/takeover'))!;
    expect(takeover).toBeDefined();
    const consent = await call('POST', `/v1/approvals/${takeover.id}/approve`, TOKENS.customers!, { reason: 'Sales serves names from now on.' });
    expect([consent.status, consent.body.decidedAs]).toEqual([200, 'owner customers']);
  });
});
