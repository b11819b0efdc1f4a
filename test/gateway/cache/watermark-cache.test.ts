import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../../subgraphs/kit/duckdb-store.ts';
import { productStorePath } from '../../../subgraphs/kit/create-data-product.ts';
import { readWatermark, WATERMARK_TABLE } from '../../../subgraphs/kit/watermark.ts';
import { salesProduct } from '../../../subgraphs/sales/index.ts';
import { startMesh, type MeshHarness } from '../../support/mesh-harness.ts';

/**
 * The watermark cache through a real gateway and real products over HTTP. Sales serves from
 * a writable copy of its store, so a test can change its data and bump its watermark the
 * way a product's pipeline would.
 */
const REVENUE = '{ revenueByMonth(from: "2025-01-01", to: "2025-12-31") { month orderCount revenueUsd } }';

/** Statements that answered the query, not the watermark probe's own reads. */
const dataStatements = (mesh: MeshHarness, product: string) => mesh.statements(product).filter((sql) => !/meshgate_(watermark|seed)/.test(sql));

let dir: string;
let salesStore: DuckDbStore;
let mesh: MeshHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-cache-'));
  const copy = join(dir, 'sales.duckdb');
  copyFileSync(productStorePath(salesProduct, 'sales'), copy);
  salesStore = await DuckDbStore.open(copy, { readOnly: false });
  // Checked before every fetch, so a bump is seen by the very next request.
  mesh = await startMesh({ cache: { enabled: true, watermarkCheckMs: 0 } }, { stores: { sales: salesStore } });
});

afterAll(async () => {
  await mesh?.close();
  await salesStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => mesh.clearQueryLogs());

/**
 * Lands a new load the way a product's pipeline would: a watermark one hour past the store's
 * current one. Read from the store, never a literal date: seeding stamps the time it ran, so
 * a fixed date would fall behind it and move nothing.
 */
async function bumpWatermark(): Promise<void> {
  const current = await readWatermark(salesStore);
  const next = new Date((current ? Date.parse(current) : Date.now()) + 3_600_000).toISOString();
  await salesStore.query(`CREATE TABLE IF NOT EXISTS ${WATERMARK_TABLE} (data_as_of VARCHAR NOT NULL)`);
  await salesStore.query(`INSERT INTO ${WATERMARK_TABLE} VALUES ($1)`, [next]);
}

/** Cancels one order of 2025: the product's data changes, so 2025's figures do. */
async function cancelAnOrder(): Promise<void> {
  await salesStore.query(`UPDATE orders SET status = 'CANCELLED' WHERE id = (
    SELECT min(id) FROM orders WHERE order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' AND status <> 'CANCELLED')`);
}

const totalOrders = (body: { data?: { revenueByMonth: { orderCount: number }[] } }) => body.data!.revenueByMonth.reduce((sum, m) => sum + m.orderCount, 0);

describe('products report their watermark', () => {
  it('answers GET /watermark with version and dataAsOf, and reports both with every answer', async () => {
    const running = mesh.products.sales!.running;
    const probe = (await (await fetch(new URL('/watermark', running.url))).json()) as Record<string, string>;
    // The version the product declares, whichever release it is at.
    const { version } = mesh.products.sales!.product.descriptor;
    expect(probe).toEqual({ product: 'sales', version, dataAsOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    const result = await mesh.query('{ revenueByCurrency(from: "2026-01-01", to: "2026-01-31") { currency } }');
    const sales = (result.body.extensions!.dataProducts as { name: string; version: string; dataAsOf: string }[]).find((p) => p.name === 'sales');
    expect(sales).toMatchObject({ version, dataAsOf: probe.dataAsOf });
  });
});

describe('watermark cache', () => {
  it('answers a repeated fetch from the cache: the product runs no statement', async () => {
    const first = await mesh.query(REVENUE);
    expect(first.body.errors).toBeUndefined();
    expect(dataStatements(mesh, 'sales').length).toBeGreaterThan(0);
    mesh.clearQueryLogs();
    const hitsBefore = mesh.gateway.cache!.stats.hits;
    // Other text, same product fetch: the whole answer is not kept for it, the fetch is.
    const second = await mesh.query(REVENUE.replaceAll(' ', '  '));
    expect(second.body).toEqual(first.body);
    expect(dataStatements(mesh, 'sales')).toEqual([]);
    expect(mesh.gateway.cache!.stats.hits).toBe(hitsBefore + 1);
    const scrape = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'metrics'))).text();
    expect(scrape).toMatch(/meshgate_cache_lookups_total\{product="sales",outcome="hit"\} [1-9]/);
  });

  it('answers a repeated query whole: no plan is executed and no product is asked', async () => {
    const query = '{ revenueByMonth(from: "2025-03-01", to: "2025-05-31") { month orderCount } }';
    const first = await mesh.query(query);
    expect(first.body.errors).toBeUndefined();
    mesh.clearQueryLogs();
    const lookupsBefore = mesh.gateway.cache!.stats.hits + mesh.gateway.cache!.stats.misses;
    const second = await mesh.query(query);
    // The same data and the same product signals, without touching the fetch-level cache.
    expect(second.body).toEqual(first.body);
    expect(second.body.extensions?.dataProducts).toEqual(first.body.extensions?.dataProducts);
    expect(mesh.gateway.cache!.stats.hits + mesh.gateway.cache!.stats.misses).toBe(lookupsBefore);
    expect(dataStatements(mesh, 'sales')).toEqual([]);
    const scrape = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'metrics'))).text();
    expect(scrape).toMatch(/meshgate_answer_cache_lookups_total\{outcome="hit"\} [1-9]/);
  });

  it('never keeps an answer with errors: the same failing query asks the product again', async () => {
    const failing = '{ orders(first: 2, after: "not-a-cursor") { edges { node { id } } } }';
    for (let i = 0; i < 2; i++) {
      mesh.clearQueryLogs();
      const result = await mesh.query(failing);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
      expect(mesh.fetches('sales').length).toBe(1);
    }
  });

  it('trusts the watermark: data changed without a new watermark is still served from the cache', async () => {
    const before = await mesh.query(REVENUE);
    await cancelAnOrder();
    mesh.clearQueryLogs();
    const after = await mesh.query(REVENUE);
    expect(after.body).toEqual(before.body);
    expect(dataStatements(mesh, 'sales')).toEqual([]);
  });

  it('never serves across a watermark change: the next response is fresh and the product was asked again', async () => {
    const cached = await mesh.query(REVENUE);
    await cancelAnOrder();
    await bumpWatermark();
    mesh.clearQueryLogs();
    const fresh = await mesh.query(REVENUE);
    expect(dataStatements(mesh, 'sales').length).toBeGreaterThan(0);
    // Two orders cancelled since the cached answer: the one above and the previous test's.
    expect(totalOrders(fresh.body)).toBe(totalOrders(cached.body) - 2);
    mesh.clearQueryLogs();
    expect((await mesh.query(REVENUE)).body).toEqual(fresh.body);
    expect(dataStatements(mesh, 'sales')).toEqual([]);
  });

  it('keeps other products cached when one product moves', async () => {
    const query = '{ categories { category productCount } }';
    await mesh.query(query);
    await bumpWatermark();
    mesh.clearQueryLogs();
    await mesh.query(query);
    expect(dataStatements(mesh, 'catalog')).toEqual([]);
  });

  it('serves across tokens with equal rights, never across rights that cut other fields', async () => {
    const query = '{ revenueByCurrency(from: "2025-01-01", to: "2025-06-30") { currency revenueUsd } }';
    // Two real principals, both allowed to read revenue (finance:read).
    const alice = { authorization: `Bearer ${await mesh.token({ sub: 'alice', scope: 'finance:read' })}` };
    const bob = { authorization: `Bearer ${await mesh.token({ sub: 'bob', scope: 'finance:read' })}` };
    const forAlice = await mesh.query(query, undefined, alice);
    mesh.clearQueryLogs();
    // Products are told nothing about the caller: bob's equal rights get alice's kept answer.
    const forBob = await mesh.query(query, undefined, bob);
    expect(forBob.body.data).toEqual(forAlice.body.data);
    expect(dataStatements(mesh, 'sales')).toEqual([]);
    // Without finance:read the field is cut before planning: nothing kept for alice reaches this caller.
    const denied = await mesh.query(query, undefined, { authorization: `Bearer ${await mesh.token({ sub: 'carol', scope: 'pii:read' })}` });
    expect(denied.body.data).toBeNull();
    expect(denied.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN_FIELD']);
  });
});
