import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * The product boundary: every source product keeps internals (a staging table and
 * an @inaccessible field) that exist in its store and its subgraph, and none of them can be
 * reached through the gateway.
 */
const INTERNALS = [
  { product: 'customers', type: 'Customer', field: 'leadScore', table: 'stg_crm_contacts', query: '{ customer(id: "C00001") { id leadScore } }' },
  { product: 'sales', type: 'Order', field: 'marginUsd', table: 'stg_pos_events', query: '{ order(id: "O000001") { id marginUsd } }' },
  { product: 'catalog', type: 'Product', field: 'unitCost', table: 'stg_supplier_feed', query: '{ product(sku: "SKU-0001") { sku unitCost } }' },
  { product: 'forecasts', type: 'MonthlyForecast', field: 'modelRunId', table: 'model_runs', query: '{ productForecast(sku: "SKU-0001", months: 1) { month modelRunId } }' },
] as const;

let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh();
});
afterAll(async () => {
  await mesh?.close();
});

describe.each(INTERNALS)('$product keeps $type.$field and $table internal', (internal) => {
  it('the internals really exist inside the product', async () => {
    const rows = await mesh.products[internal.product]!.product.store.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${internal.table}`);
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(mesh.products[internal.product]!.product.sdl).toMatch(new RegExp(`${internal.field}: \\w+ @inaccessible`));
  });

  it('the @inaccessible field cannot be queried through the gateway', async () => {
    const result = await mesh.query(internal.query);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.body.errors?.[0]?.message).toBe(`Cannot query field "${internal.field}" on type "${internal.type}".`);
    expect(result.body.data).toBeUndefined();
  });

  it('introspection shows neither the field nor anything named after the staging table', async () => {
    const result = await mesh.query(`{ __type(name: "${internal.type}") { fields { name } } __schema { types { name fields { name } } } }`);
    const fields = result.body.data.__type.fields.map((f: { name: string }) => f.name);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields).not.toContain(internal.field);
    const everything = JSON.stringify(result.body.data.__schema).toLowerCase();
    expect(everything).not.toContain(internal.field.toLowerCase());
    expect(everything).not.toContain(internal.table.replace(/_/g, '').toLowerCase());
    expect(everything).not.toContain('stg_');
  });
});

describe('the derived product reads published fields, not stores', () => {
  it('customer-insights has only its model parameters in its store', async () => {
    const tables = await mesh.products['customer-insights']!.product.store.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['churn_model', 'meshgate_seed', 'meshgate_watermark', 'value_tiers']);
  });
});
