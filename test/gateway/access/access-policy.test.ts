import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * Field-level access through the real gateway: `@requiresScopes` (Customer.name),
 * `@authenticated` (Customer.country), `@policy` (Customer.churnRisk) and classification
 * scopes from the descriptors (confidential: finance:read). `mesh.fetches(product)` is what
 * each product was asked: a denied field must never appear there.
 */
const ANONYMOUS = { authorization: '' };
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh();
});
afterAll(async () => {
  await mesh?.close();
});

const forbidden = (path: (string | number)[]) => expect.objectContaining({ path, extensions: expect.objectContaining({ code: 'FORBIDDEN_FIELD' }) });

describe('filter mode (the default)', () => {
  it('answers null with FORBIDDEN_FIELD for a nullable denied field, returns the rest, and never fetches it', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query('{ customer(id: "C00042") { id segment averageOrderValueUsd } }', undefined, ANONYMOUS);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ customer: { id: 'C00042', segment: 'CONSUMER', averageOrderValueUsd: null } });
    expect(result.body.errors).toEqual([forbidden(['customer', 'averageOrderValueUsd'])]);
    // Composition compiles the confidential classification into @requiresScopes, which the gateway checks first.
    expect(result.body.errors?.[0]?.message).toBe('Not authorized to read Customer.averageOrderValueUsd: it requires scope finance:read');
    // customer-insights computes the field, and sales would feed it: neither is asked.
    expect(mesh.fetches('customer-insights')).toEqual([]);
    expect(mesh.fetches('sales')).toEqual([]);
    expect(mesh.fetches('customers')).toHaveLength(1);
  });

  it('bubbles the null of a non-null denied field to the nearest nullable parent, per GraphQL', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku } customer(id: "C00042") { id name country } }', undefined, ANONYMOUS);
    // Customer.name and Customer.country are String!: the nullable `customer` becomes null.
    expect(result.body.data).toEqual({ product: { sku: 'SKU-0001' }, customer: null });
    expect(result.body.errors).toEqual([forbidden(['customer', 'name']), forbidden(['customer', 'country'])]);
    expect(result.body.errors?.map((e) => e.message)).toEqual([
      'Not authorized to read Customer.name: it requires scope pii:read',
      'Not authorized to read Customer.country: it requires authentication',
    ]);
    expect(mesh.fetches('customers')).toHaveLength(1);
    expect(mesh.fetches('customers')[0]).not.toMatch(/\bname\b|\bcountry\b/);
  });

  it('bubbles through non-null lists to data: null, with one error per denied item', async () => {
    const result = await mesh.query('{ customers(first: 2) { edges { node { id name } } } }', undefined, ANONYMOUS);
    expect(result.body.data).toBeNull();
    expect(result.body.errors).toEqual([forbidden(['customers', 'edges', 0, 'node', 'name']), forbidden(['customers', 'edges', 1, 'node', 'name'])]);
  });

  it('never calls a product whose only requested root field is denied', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query('{ revenueByCurrency(from: "2026-01-01", to: "2026-06-30") { currency } insightModel { asOfDate } }', undefined, ANONYMOUS);
    // revenueByCurrency is [CurrencyRevenue!]! and confidential: its null takes data with it.
    expect(result.body.data).toBeNull();
    expect(result.body.errors).toEqual([forbidden(['revenueByCurrency'])]);
    expect(mesh.fetches('sales')).toEqual([]);
  });

  it('decides each request for its own caller, the same operation asked in turn by callers with other rights', async () => {
    // A text no other test sends, so its first caller is this test's first (allowed) one.
    const query = '{ turn: customer(id: "C00042") { id name } }';
    const token = await mesh.token({ scope: 'pii:read' });
    const allowed = { authorization: `Bearer ${token}` };
    for (const [headers, denied] of [
      [allowed, false],
      [ANONYMOUS, true],
      [allowed, false],
      [ANONYMOUS, true],
    ] as const) {
      mesh.clearQueryLogs();
      const result = await mesh.query(query, undefined, headers);
      if (denied) {
        expect(result.body.data).toEqual({ turn: null });
        expect(result.body.errors).toEqual([forbidden(['turn', 'name'])]);
        expect(mesh.fetches('customers')[0]).not.toMatch(/\bname\b/);
      } else {
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data).toEqual({ turn: { id: 'C00042', name: 'Tara Eriksen' } });
      }
    }
  });

  it('follows fragments and aliases', async () => {
    const result = await mesh.query('{ c: customer(id: "C00042") { ...F } } fragment F on Customer { id aov: averageOrderValueUsd }', undefined, ANONYMOUS);
    expect(result.body.data).toEqual({ c: { id: 'C00042', aov: null } });
    expect(result.body.errors).toEqual([forbidden(['c', 'aov'])]);
  });

  it('admits by scope: pii:read opens Customer.name, but not the finance figures', async () => {
    const token = await mesh.token({ scope: 'pii:read' });
    const result = await mesh.query('{ customer(id: "C00042") { name country lifetimeValueUsd } }', undefined, { authorization: `Bearer ${token}` });
    expect(result.body.data).toEqual({ customer: null }); // lifetimeValueUsd is Float!
    expect(result.body.errors).toEqual([forbidden(['customer', 'lifetimeValueUsd'])]);
    const named = await mesh.query('{ customer(id: "C00042") { name country } }', undefined, { authorization: `Bearer ${token}` });
    expect(named.body.errors).toBeUndefined();
    expect(named.body.data).toEqual({ customer: { name: 'Tara Eriksen', country: 'JP' } });
  });

  it('evaluates @policy with the named policy from the governance rules', async () => {
    // finance:read satisfies the classifications of the fields asked for but not churnRisk's policy.
    const finance = await mesh.token({ scopes: ['finance:read'] });
    const denied = await mesh.query('{ customer(id: "C00042") { id orderCount churnRisk } }', undefined, { authorization: `Bearer ${finance}` });
    expect(denied.body.data).toEqual({ customer: null });
    expect(denied.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['FORBIDDEN_FIELD', 'Not authorized to read Customer.churnRisk: it falls under policy "customer-data-steward", which requires scope pii:read'],
    ]);
    const analyst = await mesh.token({ scopes: ['finance:read', 'pii:read'] });
    const allowed = await mesh.query('{ customer(id: "C00042") { id orderCount churnRisk } }', undefined, { authorization: `Bearer ${analyst}` });
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data).toEqual({ customer: { id: 'C00042', orderCount: 12, churnRisk: 'LOW' } });
  });

  it('never serves one caller a query plan made for another', async () => {
    const query = '{ customer(id: "C00007") { id averageOrderValueUsd } }';
    const first = await mesh.query(query);
    const anonymous = await mesh.query(query, undefined, ANONYMOUS);
    const again = await mesh.query(query);
    expect(first.body.data.customer.averageOrderValueUsd).toEqual(expect.any(Number));
    expect(anonymous.body.data.customer.averageOrderValueUsd).toBeNull();
    expect(again.body.data).toEqual(first.body.data);
  });
});

describe('reject mode, anonymous access off', () => {
  let strict: MeshHarness;
  beforeAll(async () => {
    strict = await startWorkerMesh({ access: { mode: 'reject' }, auth: { allowAnonymous: false } });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('refuses the whole operation with 403 FORBIDDEN_OPERATION and calls no product', async () => {
    strict.clearQueryLogs();
    const token = await strict.token({ scope: 'finance:read' });
    const result = await strict.query('{ product(sku: "SKU-0001") { sku } customer(id: "C00042") { id name } }', undefined, { authorization: `Bearer ${token}` });
    expect(result.status).toBe(403);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN_OPERATION']);
    expect(result.body.errors?.[0]?.message).toBe('Not authorized: Customer.name requires scope pii:read');
    expect(['customers', 'catalog'].flatMap((product) => strict.fetches(product))).toEqual([]);
  });

  it('serves the same operation to a caller holding the scope', async () => {
    const token = await strict.token({ scope: 'pii:read' });
    const result = await strict.query('{ customer(id: "C00042") { id name } }', undefined, { authorization: `Bearer ${token}` });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ customer: { id: 'C00042', name: 'Tara Eriksen' } });
  });

  it('refuses a request without a token with 401 UNAUTHENTICATED', async () => {
    const result = await strict.query('{ product(sku: "SKU-0001") { sku } }', undefined, ANONYMOUS);
    expect(result.status).toBe(401);
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});
