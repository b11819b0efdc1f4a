import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * Preview gating (catalog's `Product.sustainabilityScore`, tagged preview) and the
 * product signals every response carries, through the real gateway.
 */
let mesh: MeshHarness;
let clock = Date.now();
beforeAll(async () => {
  mesh = await startWorkerMesh({}, { now: () => clock });
});
afterAll(async () => {
  await mesh?.close();
});

const PREVIEW = { 'x-meshgate-preview': 'true' };
const productFieldNames = async (headers: Record<string, string> = {}) =>
  ((await mesh.query('{ __type(name: "Product") { fields { name } } }', undefined, headers)).body.data.__type.fields as { name: string }[]).map((f) => f.name);

describe('preview fields', () => {
  it('do not exist without the opt-in: PREVIEW_FIELD_NOT_ENABLED, and the product is not asked', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku sustainabilityScore } }');
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['PREVIEW_FIELD_NOT_ENABLED', 'Cannot query field "sustainabilityScore" on type "Product": it is a preview field. Send "x-meshgate-preview: true" to opt in.'],
    ]);
    expect(mesh.fetches('catalog')).toEqual([]);
  });

  it('are left out of introspection without the opt-in and shown with it', async () => {
    const plain = await productFieldNames();
    expect(plain).toContain('listPrice');
    expect(plain).not.toContain('sustainabilityScore');
    expect(await productFieldNames(PREVIEW)).toContain('sustainabilityScore');
  });

  it('work with the opt-in header, or with the preview scope in the token', async () => {
    const byHeader = await mesh.query('{ product(sku: "SKU-0001") { sku sustainabilityScore } }', undefined, PREVIEW);
    expect(byHeader.body.errors).toBeUndefined();
    expect(byHeader.body.data.product.sustainabilityScore).toEqual(expect.any(Number));
    const token = await mesh.token({ scope: 'meshgate:preview' });
    const byScope = await mesh.query('{ product(sku: "SKU-0001") { sustainabilityScore } }', undefined, { authorization: `Bearer ${token}` });
    expect(byScope.body.data).toEqual({ product: { sustainabilityScore: byHeader.body.data.product.sustainabilityScore } });
  });
});

describe('product signals', () => {
  it('lists each product that answered, with version, status and its store watermark', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku forecast(months: 1) { units } } }');
    const signals = result.body.extensions?.dataProducts as { name: string; dataAsOf: string }[];
    expect(signals.map((s) => s.name).sort()).toEqual(['catalog', 'forecasts']);
    for (const signal of signals) {
      expect(signal).toMatchObject({ status: 'active', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      expect(Date.parse(signal.dataAsOf)).toBeLessThanOrEqual(Date.now());
    }
    // Only the products that answered: nothing was asked of sales.
    expect(signals.some((s) => s.name === 'sales')).toBe(false);
  });

  it('marks a product stale once its watermark is older than its SLA freshness', async () => {
    const first = await mesh.query('{ product(sku: "SKU-0001") { sku } customer(id: "C00001") { id } }');
    const asOf = Object.fromEntries((first.body.extensions!.dataProducts as { name: string; dataAsOf: string }[]).map((s) => [s.name, Date.parse(s.dataAsOf)]));
    const staleness = async () =>
      Object.fromEntries(
        ((await mesh.query('{ product(sku: "SKU-0001") { sku } customer(id: "C00001") { id } }')).body.extensions!.dataProducts as { name: string; stale: boolean }[]).map((s) => [s.name, s.stale]),
      );
    // catalog promises 1h, customers 24h.
    clock = asOf.catalog! + 30 * 60_000;
    expect(await staleness()).toEqual({ catalog: false, customers: clock - asOf.customers! > 24 * 3_600_000 });
    clock = Math.max(asOf.catalog!, asOf.customers!) + 2 * 3_600_000;
    expect(await staleness()).toEqual({ catalog: true, customers: false });
    clock = Math.max(asOf.catalog!, asOf.customers!) + 25 * 3_600_000;
    expect(await staleness()).toEqual({ catalog: true, customers: true });
    clock = Date.now();
  });

  it('names deprecated fields in use, with Deprecation and Sunset headers', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku price listPrice } }');
    expect(result.body.data.product.price).toBe(result.body.data.product.listPrice);
    expect(result.body.extensions?.deprecations).toEqual([{ field: 'Product.price', reason: 'Use listPrice, which says which price it is. Sunset 2027-06-30', sunset: '2027-06-30' }]);
    expect(result.headers.get('deprecation')).toBe('true');
    expect(result.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
  });

  it('sends no deprecation signal for an operation without deprecated fields', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku listPrice } }');
    expect(result.body.extensions?.deprecations).toBeUndefined();
    expect(result.headers.get('deprecation')).toBeNull();
    expect(result.headers.get('sunset')).toBeNull();
  });
});
