import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * The demo mesh through the real gateway over HTTP: five products on their own DuckDB
 * stores, each on its own port. Expected values come from the deterministic seed.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh();
});
afterAll(async () => {
  await mesh?.close();
});

describe('a query crossing all five products', () => {
  it('returns the exact seeded values from customers, sales, catalog, forecasts and customer-insights', async () => {
    const result = await mesh.query(`{
      customer(id: "C00042") {
        id name segment country signupDate
        orderCount lifetimeValueUsd churnRisk valueTier
        orders(first: 1) {
          totalCount
          edges { node { id orderDate status currency total totalUsd
            lines { lineNumber quantity unitPrice amount
              product { sku name category listPrice forecast(months: 2) { month units } } } } }
        }
      }
    }`);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    const customer = result.body.data.customer;
    expect(customer).toMatchObject({
      id: 'C00042',
      name: 'Tara Eriksen',
      segment: 'CONSUMER',
      country: 'JP',
      signupDate: '2023-09-25',
      orderCount: 12,
      lifetimeValueUsd: 72479.71,
      churnRisk: 'LOW',
      valueTier: 'PLATINUM',
    });
    expect(customer.orders.totalCount).toBe(12);
    const order = customer.orders.edges[0].node;
    expect(order).toMatchObject({ id: 'O002467', orderDate: '2026-05-12', status: 'DELIVERED', currency: 'GBP', total: 5832.29, totalUsd: 7407.01 });
    expect(order.lines).toHaveLength(4);
    expect(order.lines[0]).toEqual({
      lineNumber: 1,
      quantity: 3,
      unitPrice: 528.54,
      amount: 1585.62,
      product: {
        sku: 'SKU-0617',
        name: 'Smart Soundbar',
        category: 'Audio',
        listPrice: 440.84,
        forecast: [
          { month: '2026-07', units: 183 },
          { month: '2026-08', units: 163 },
        ],
      },
    });
    expect(order.lines.map((line: { product: { sku: string } }) => line.product.sku)).toEqual(['SKU-0617', 'SKU-0569', 'SKU-0720', 'SKU-0888']);
    // The order total is the sum of its lines.
    const sum = order.lines.reduce((total: number, line: { amount: number }) => total + line.amount, 0);
    expect(Math.round(sum * 100) / 100).toBe(order.total);
  });

  it('derives insights only from what sales publishes: lifetime value follows the published order summary', async () => {
    const result = await mesh.query(`{ insights(customerIds: ["C00001", "C00002", "C00042"]) {
      id orderCount churnRisk lifetimeValueUsd averageOrderValueUsd allOrders: orders(first: 0) { totalCount } } }`);
    expect(result.body.errors).toBeUndefined();
    // LOW churn risk projects 60% more spend on top of spend to date (the model's parameter).
    const model = (await mesh.query('{ insightModel { asOfDate mediumRiskAfterDays highRiskAfterDays } }')).body.data.insightModel;
    expect(model).toEqual({ asOfDate: '2026-06-30', mediumRiskAfterDays: 90, highRiskAfterDays: 180 });
    const insights = result.body.data.insights;
    expect(insights.map((c: { id: string }) => c.id)).toEqual(['C00001', 'C00002', 'C00042']);
    expect(insights[0]).toMatchObject({ id: 'C00001', churnRisk: 'LOW', lifetimeValueUsd: 25084.5, averageOrderValueUsd: 3135.56 });
    for (const insight of insights) {
      expect(insight.orderCount).toBeLessThanOrEqual(insight.allOrders.totalCount);
      expect(insight.lifetimeValueUsd).toBeCloseTo(insight.averageOrderValueUsd * insight.orderCount * 1.6, 0);
    }
  });
});

describe('each product answers its own analytics queries', () => {
  it('customers: filtered list with cursor pagination', async () => {
    const first = await mesh.query(`{ customers(first: 2, filter: { segment: ENTERPRISE, country: "DE" }) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name signupDate } } } }`);
    expect(first.body.data.customers).toMatchObject({
      totalCount: 121,
      pageInfo: { hasNextPage: true },
      edges: [{ node: { id: 'C00200', name: 'Sven Moreau', signupDate: '2021-08-05' } }, { node: { id: 'C00527', name: 'Omar Berg', signupDate: '2020-12-26' } }],
    });
    const after = first.body.data.customers.pageInfo.endCursor;
    const next = await mesh.query(
      `query($after: String) { customers(first: 2, after: $after, filter: { segment: ENTERPRISE, country: "DE" }) {
      totalCount edges { node { id segment country } } } }`,
      { after },
    );
    expect(next.body.data.customers.totalCount).toBe(121);
    const ids = next.body.data.customers.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(ids).toHaveLength(2);
    expect(ids[0] > 'C00527').toBe(true);
    for (const edge of next.body.data.customers.edges) expect(edge.node).toMatchObject({ segment: 'ENTERPRISE', country: 'DE' });
  });

  it('customers: walking every page visits each match exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const page: any = (
        await mesh.query(
          `query($after: String) { customers(first: 100, after: $after, filter: { segment: ENTERPRISE, country: "NL" }) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
          { after },
        )
      ).body.data.customers;
      total = page.totalCount;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    expect(total).toBeGreaterThan(0);
  });

  it('sales: revenue aggregates by month, currency and category, computed in the store', async () => {
    const result = await mesh.query(`{
      revenueByMonth(from: "2026-01-01", to: "2026-03-31") { month orderCount revenueUsd }
      revenueByCurrency(from: "2026-01-01", to: "2026-03-31") { currency orderCount revenue revenueUsd }
      revenueByCategory(from: "2026-01-01", to: "2026-01-31") { category orderCount units revenueUsd }
    }`);
    expect(result.body.errors).toBeUndefined();
    const data = result.body.data;
    expect(data.revenueByMonth).toEqual([
      { month: '2026-01', orderCount: 3859, revenueUsd: 11617415.06 },
      { month: '2026-02', orderCount: 3622, revenueUsd: 10740063.54 },
      { month: '2026-03', orderCount: 3909, revenueUsd: 11591354.06 },
    ]);
    expect(data.revenueByCurrency).toEqual([
      { currency: 'EUR', orderCount: 3437, revenue: 9496777.38, revenueUsd: 10256519.53 },
      { currency: 'GBP', orderCount: 1721, revenue: 4008837.3, revenueUsd: 5091223.54 },
      { currency: 'USD', orderCount: 6232, revenue: 18601089.59, revenueUsd: 18601089.59 },
    ]);
    // The two breakdowns agree with each other.
    const byMonth = data.revenueByMonth.reduce((s: number, r: { orderCount: number }) => s + r.orderCount, 0);
    const byCurrency = data.revenueByCurrency.reduce((s: number, r: { orderCount: number }) => s + r.orderCount, 0);
    expect(byCurrency).toBe(byMonth);
    expect(data.revenueByCategory).toHaveLength(8);
    expect(data.revenueByCategory[0]).toEqual({ category: 'Audio', orderCount: 1074, units: 3645, revenueUsd: 1489137.26 });
    const statements = mesh.statements('sales').filter((sql) => /GROUP BY/i.test(sql));
    expect(statements.length).toBeGreaterThanOrEqual(3);
  });

  it('sales: a date range with "from" after "to" is refused with INVALID_ARGUMENT', async () => {
    const result = await mesh.query('{ revenueByMonth(from: "2026-03-01", to: "2026-01-01") { month } }');
    expect(result.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    const bad = await mesh.query('{ revenueByMonth(from: "yesterday", to: "2026-01-01") { month } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    expect(bad.body.errors?.[0]?.message).toContain('"from" must be a date as YYYY-MM-DD');
  });

  it('catalog: product lookup, filtered list and category summary', async () => {
    const result = await mesh.query(`{
      product(sku: "SKU-0001") { sku name category listPrice stock }
      products(first: 3, filter: { category: "Toys", inStock: true }) { totalCount edges { node { sku category stock } } }
      categories { category productCount }
    }`);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.product).toEqual({ sku: 'SKU-0001', name: 'Eco Turntable', category: 'Audio', listPrice: 798.7, stock: 315 });
    for (const edge of result.body.data.products.edges) expect(edge.node.category).toBe('Toys');
    for (const edge of result.body.data.products.edges) expect(edge.node.stock).toBeGreaterThan(0);
    expect(result.body.data.categories).toHaveLength(8);
    expect(result.body.data.categories.reduce((s: number, c: { productCount: number }) => s + c.productCount, 0)).toBe(1000);
  });

  it('forecasts: per-product forecast and monthly totals over 24 months', async () => {
    const result = await mesh.query(`{
      productForecast(sku: "SKU-0001", months: 24) { month units unitsLow unitsHigh }
      forecastTotalsByMonth(fromMonth: "2026-07", toMonth: "2026-09") { month units revenueUsd }
    }`);
    expect(result.body.errors).toBeUndefined();
    const forecast = result.body.data.productForecast;
    expect(forecast).toHaveLength(24);
    expect(forecast[0]).toEqual({ month: '2026-07', units: 237, unitsLow: 213, unitsHigh: 261 });
    expect(forecast[23].month).toBe('2028-06');
    expect(result.body.data.forecastTotalsByMonth[0]).toEqual({ month: '2026-07', units: 203399, revenueUsd: 79882005.06 });
    const tooMany = await mesh.query('{ productForecast(sku: "SKU-0001", months: 25) { month } }');
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a page larger than the maximum with PAGE_SIZE_EXCEEDED, and a forged cursor with INVALID_CURSOR', async () => {
    const big = await mesh.query('{ orders(first: 101) { totalCount } }');
    expect(big.body.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_EXCEEDED');
    expect(big.body.errors?.[0]?.extensions?.product).toBe('sales');
    const forged = await mesh.query('{ customers(first: 1, after: "not-a-cursor") { totalCount } }');
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
  });
});

describe('batching: one store query per entity type per level of the plan', () => {
  it('50 orders with their customers, lines and products', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query(`{ orders(first: 50, filter: { from: "2026-01-01" }) { edges { node {
      id customer { name segment } lines { quantity product { name category } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    const orders = result.body.data.orders.edges;
    expect(orders).toHaveLength(50);
    expect(orders.every((e: any) => e.node.customer.name && e.node.lines.length > 0 && e.node.lines[0].product.name)).toBe(true);
    // sales: the page, then all lines of the 50 orders at once.
    expect(mesh.statements('sales')).toHaveLength(2);
    expect(mesh.statements('sales')[1]).toMatch(/FROM order_lines WHERE order_id = ANY\(\$1\)/);
    // customers and catalog: one batched entity lookup each, however many rows reference them.
    expect(mesh.statements('customers')).toHaveLength(1);
    expect(mesh.statements('customers')[0]).toMatch(/WHERE id = ANY\(\$1\)/);
    expect(mesh.statements('catalog')).toHaveLength(1);
    expect(mesh.statements('forecasts')).toHaveLength(0);
  });

  it('20 customers with their latest orders, summaries, insights and forecasts', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query(`{ customers(first: 20) { edges { node {
      id lifetimeValueUsd churnRisk
      orders(first: 3) { edges { node { id lines { product { sku forecast(months: 1) { units } } } } } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.customers.edges).toHaveLength(20);
    expect(mesh.statements('customers')).toHaveLength(1);
    // orders of 20 customers (one window query), their lines, and the order summaries for insights.
    expect(mesh.statements('sales')).toHaveLength(3);
    expect(mesh.statements('forecasts')).toHaveLength(1);
    // The derived product reads only its model parameters from its own store, once per request.
    expect(mesh.statements('customer-insights')).toHaveLength(2);
  });
});
