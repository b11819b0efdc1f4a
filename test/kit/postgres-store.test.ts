import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMesh } from '../../gateway/cli/seed-command.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { PostgresStore, postgresNamesOf } from '../../subgraphs/kit/postgres-store.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { startMesh, type MeshHarness } from '../support/mesh-harness.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

const available = await postgresAvailable();

/** The queries analytics apps send, run on both stores: the answers must be identical. */
const PARITY_QUERIES = [
  `{ customer(id: "C00042") { id name segment country signupDate orderCount lifetimeValueUsd churnRisk valueTier
      orders(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id orderDate status currency total totalUsd
        lines { lineNumber quantity unitPrice amount product { sku name category listPrice stock forecast(months: 3) { month units unitsLow unitsHigh revenueUsd } } } } } } } }`,
  `{ customers(first: 5, filter: { segment: SMB, country: "FR", signedUpFrom: "2021-01-01" }) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name signupDate } } } }`,
  `{ orders(first: 20, filter: { status: RETURNED, currency: EUR, from: "2025-01-01", to: "2025-12-31" }) { totalCount edges { node { id total customer { id name } } } } }`,
  `{ revenueByMonth(from: "2025-07-01", to: "2026-06-30") { month orderCount revenueUsd }
     revenueByCurrency(from: "2024-07-01", to: "2026-06-30") { currency orderCount revenue revenueUsd }
     revenueByCategory(from: "2026-01-01", to: "2026-03-31") { category orderCount units revenueUsd } }`,
  `{ products(first: 10, filter: { category: "Kitchen", minPrice: 100, maxPrice: 500, inStock: true }) { totalCount edges { node { sku name listPrice stock } } } categories { category productCount unitsInStock averageListPrice } }`,
  `{ forecasts(first: 5, filter: { sku: "SKU-0007", fromMonth: "2027-01" }) { totalCount edges { cursor node { id month units } } }
     forecastTotalsByMonth(fromMonth: "2026-07", toMonth: "2028-06") { month units revenueUsd } }`,
  `{ insights(customerIds: ["C00001", "C00500", "C09999"]) { id orderCount averageOrderValueUsd daysSinceLastOrder tenureMonths churnRisk lifetimeValueUsd valueTier }
     insightModel { asOfDate mediumRiskAfterDays highRiskAfterDays valueTiers { tier minLifetimeValueUsd } } }`,
];

describe.skipIf(!available)('every demo product on Postgres', () => {
  let duck: MeshHarness;
  let postgres: MeshHarness;

  beforeAll(async () => {
    await seedMesh(DEMO_MESH, () => {}, TEST_POSTGRES_URL);
    duck = await startMesh();
    postgres = await startMesh({}, { storeUrl: TEST_POSTGRES_URL });
  }, 120_000);
  afterAll(async () => {
    await duck?.close();
    await postgres?.close();
  });

  it('serves from Postgres, not DuckDB', () => {
    for (const { product } of Object.values(postgres.products)) expect(product.store.kind).toBe('postgres');
    for (const { product } of Object.values(duck.products)) expect(product.store.kind).toBe('duckdb');
  });

  it.each(PARITY_QUERIES.map((query, index) => [index, query]))('query %i gives the same answer as on DuckDB', async (_, query) => {
    const [onDuck, onPostgres] = await Promise.all([duck.query(query), postgres.query(query)]);
    expect(onDuck.body.errors).toBeUndefined();
    // extensions differ by design: each store reports its own load time as dataAsOf.
    expect(onPostgres.body.data).toEqual(onDuck.body.data);
    expect(onPostgres.body.errors).toEqual(onDuck.body.errors);
  });

  it('batches the same way: one = ANY($1) statement per entity type per level', async () => {
    postgres.clearQueryLogs();
    const result = await postgres.query('{ orders(first: 50) { edges { node { id customer { name } lines { product { name } } } } } }');
    expect(result.body.errors).toBeUndefined();
    expect(postgres.statements('sales')).toHaveLength(2);
    expect(postgres.statements('customers')).toEqual([expect.stringMatching(/WHERE id = ANY\(\$1\)/)]);
    expect(postgres.statements('catalog')).toHaveLength(1);
  });

  it("each product's connection runs as its own role and cannot read another product's schema", async () => {
    const sales = PostgresStore.forProduct(TEST_POSTGRES_URL, 'sales');
    try {
      expect((await sales.query<{ role: string }>('SELECT current_user AS role'))[0]!.role).toBe('mg_sales');
      await expect(sales.query('SELECT * FROM mg_customers.stg_crm_contacts LIMIT 1')).rejects.toThrow(/permission denied for schema mg_customers/);
      await expect(sales.query('SELECT count(*) FROM stg_pos_events')).resolves.toHaveLength(1);
    } finally {
      await sales.close();
    }
  });

  it('seeding is idempotent: a second run changes nothing', async () => {
    const lines: string[] = [];
    await seedMesh(DEMO_MESH, (line) => lines.push(line), TEST_POSTGRES_URL);
    expect(lines).toEqual([]);
  });

  it("names the missing GRANT when the login user may not act as the product's role, and seed --grant-to fixes it", async () => {
    const member = DEMO_MESH[0]!;
    const { role } = postgresNamesOf(member.name);
    const login = `mg_test_login_${process.pid}`;
    const admin = PostgresStore.admin(TEST_POSTGRES_URL);
    const asLogin = Object.assign(new URL(TEST_POSTGRES_URL), { username: login }).toString();
    try {
      await admin.query(`DROP ROLE IF EXISTS ${login}`);
      await admin.query(`CREATE ROLE ${login} LOGIN`);
      await expect(createDataProduct(member.definition, { storeUrl: asLogin })).rejects.toThrow(new RegExp(`GRANT ${role} TO <login user>.*--grant-to`));
      await seedMesh([member], () => {}, TEST_POSTGRES_URL, login);
      const product = await createDataProduct(member.definition, { storeUrl: asLogin });
      await product.close();
      await expect(seedMesh([member], () => {}, TEST_POSTGRES_URL, 'x; DROP TABLE y')).rejects.toThrow(/--grant-to: expected a Postgres role name/);
    } finally {
      await admin.query(`REVOKE ${role} FROM ${login}`).catch(() => {});
      await admin.query(`DROP ROLE IF EXISTS ${login}`);
      await admin.end();
    }
  });

  it('refuses to serve from an unseeded schema, naming the command that fixes it', async () => {
    const unseeded = { ...DEMO_MESH[0]!.definition, seed: { ...DEMO_MESH[0]!.definition.seed!, version: 'never-seeded' } };
    await expect(createDataProduct(unseeded, { storeUrl: TEST_POSTGRES_URL })).rejects.toThrow(/run meshgate seed customers --store URL/);
  });
});
