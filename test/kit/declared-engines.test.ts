import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedBuckets, LOYALTY, ORDERS, PEOPLE } from '../fixtures/declared-shop/shop-data.ts';
import { reachableShopEngines, removeShopFiles, startShop } from '../fixtures/declared-shop/shop-engines.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';

/**
 * Two declared products (test/fixtures/declared-shop: shoppers, and orders that reference
 * them and add fields to them) served by the kit from declared.yaml alone, through the real
 * gateway, on each engine the kit speaks: a DuckDB file, Parquet files, the machine's
 * PostgreSQL and its MariaDB. Every answer is checked against the rows computed here, and
 * every request against the statements each product ran.
 */
const byNewest = (a: (typeof ORDERS)[number], b: (typeof ORDERS)[number]) => (a.placed_on !== b.placed_on ? (a.placed_on < b.placed_on ? 1 : -1) : a.id < b.id ? -1 : 1);
const byAmount = (a: (typeof ORDERS)[number], b: (typeof ORDERS)[number]) => (a.amount !== b.amount ? b.amount - a.amount : byNewest(a, b));
const data = (mesh: MeshHarness) => (product: string) => mesh.statements(product);
const round2 = (value: number) => Math.round(value * 100) / 100;

afterAll(() => removeShopFiles());

describe.each(await reachableShopEngines())('a declared product on $name', (engine) => {
  let mesh: MeshHarness;
  beforeAll(async () => {
    mesh = await startShop(engine);
  }, 60_000);
  afterAll(async () => {
    await mesh?.close();
  });

  it('answers entities by key, references to the other product, and fields it adds to its entity, one statement per type per plan level', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query(`{ orders(first: 12, orderBy: NEWEST) { edges { node {
      id placedOn status statusCode amount note buyer { id name country loyaltyTier orders(first: 2) { id } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    const expected = [...ORDERS].sort(byNewest).slice(0, 12);
    const nodes = result.body.data.orders.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes).toEqual(
      expected.map((o) => {
        const person = PEOPLE.find((p) => p[0] === o.person_id)!;
        const tier = LOYALTY.find((l) => l[0] === o.person_id && l[1] !== 'NONE')?.[1] ?? null;
        const own = ORDERS.filter((x) => x.person_id === o.person_id)
          .sort((a, b) => (a.placed_on < b.placed_on ? -1 : 1))
          .slice(0, 2);
        return {
          id: o.id,
          placedOn: o.placed_on,
          status: o.status,
          statusCode: o.status.toUpperCase(),
          amount: o.amount,
          note: o.note,
          buyer: { id: person[0], name: person[1], country: person[2], loyaltyTier: tier, orders: own.map((x) => ({ id: x.id })) },
        };
      }),
    );
    const statements = data(mesh);
    // people: one batch for every buyer on the page.
    expect(statements('shop-people')).toHaveLength(1);
    // orders: the page, then the buyers' orders and loyalty tiers, one batch each.
    expect(statements('shop-orders')).toHaveLength(3);
    const order = await mesh.query('{ order(id: "O07") { id buyer { name } } missing: order(id: "O99") { id } person(id: "P3") { name } }');
    expect(order.body.data).toEqual({ order: { id: 'O07', buyer: { name: PEOPLE.find((p) => p[0] === ORDERS[6]!.person_id)![1] } }, missing: null, person: { name: 'Grace Hopper' } });
  });

  it('lists with every declared filter and sort order, walking sealed cursors page by page', async () => {
    const filter = '{ statusIn: ["PAID", "SHIPPED"], from: "2025-12-01", before: "2026-04-01", minAmount: 20 }';
    const matches = ORDERS.filter((o) => ['PAID', 'SHIPPED'].includes(o.status) && o.placed_on >= '2025-12-01' && o.placed_on < '2026-04-01' && o.amount >= 20);
    for (const [sort, compare] of [
      ['AMOUNT_DESC', byAmount],
      ['NEWEST', byNewest],
    ] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      mesh.clearQueryLogs();
      let pages = 0;
      do {
        const page: any = (
          await mesh.query(`query($after: String) { orders(first: 4, after: $after, orderBy: ${sort}, filter: ${filter}) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, {
            after,
          })
        ).body.data.orders;
        expect(page.totalCount).toBe(matches.length);
        seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages++;
      } while (after);
      expect(seen).toEqual([...matches].sort(compare).map((o) => o.id));
      // One statement a page: the count and the page together.
      expect(data(mesh)('shop-orders')).toHaveLength(pages);
    }
    const single = await mesh.query('{ a: orders(first: 100, filter: { status: "CANCELLED", large: true }) { totalCount } b: orders(first: 100, filter: { large: false }) { totalCount } }');
    expect(single.body.data).toEqual({
      a: { totalCount: ORDERS.filter((o) => o.status === 'CANCELLED' && o.amount >= 100).length },
      b: { totalCount: ORDERS.filter((o) => o.amount < 100).length },
    });
    // A text prefix is data: LIKE's wildcards in it match only themselves.
    const prefix = await mesh.query(
      '{ wild: orders(first: 100, filter: { notePrefix: "50%_" }) { totalCount } gift: orders(first: 100, filter: { notePrefix: "gift" }) { totalCount } people(first: 10, namePrefix: "A", countries: ["GB", "US"]) { edges { node { id } } } }',
    );
    expect(prefix.body.data).toEqual({
      wild: { totalCount: ORDERS.filter((o) => o.note === '50%_off').length },
      gift: { totalCount: ORDERS.filter((o) => o.note?.startsWith('gift')).length },
      people: { edges: [{ node: { id: 'P1' } }, { node: { id: 'P2' } }] },
    });
  });

  it('computes measures over each time grain and a plain dimension with GROUP BY in the engine, with the same filters', async () => {
    mesh.clearQueryLogs();
    const fields = 'period orders revenue average smallest largest buyers';
    const result = await mesh.query(
      `{ byDay(from: "2026-03-01") { ${fields} } byWeek { ${fields} } byMonth(status: "PAID") { ${fields} } byQuarter { ${fields} } byYear { ${fields} } byStatus { status orders } }`,
    );
    expect(result.body.errors).toBeUndefined();
    const { byDay, byWeek, byMonth, byQuarter, byYear, byStatus } = result.body.data;
    expect(byDay).toEqual(
      expectedBuckets(
        'day',
        ORDERS.filter((o) => o.placed_on >= '2026-03-01'),
      ),
    );
    expect(byWeek).toEqual(expectedBuckets('week'));
    expect(byMonth).toEqual(
      expectedBuckets(
        'month',
        ORDERS.filter((o) => o.status === 'PAID'),
      ),
    );
    expect(byQuarter).toEqual(expectedBuckets('quarter'));
    expect(byYear).toEqual(expectedBuckets('year'));
    expect(byStatus).toEqual(['CANCELLED', 'PAID', 'SHIPPED'].map((status) => ({ status, orders: ORDERS.filter((o) => o.status === status).length })));
    const statements = data(mesh)('shop-orders');
    expect(statements).toHaveLength(6);
    for (const sql of statements) expect(sql).toMatch(/GROUP BY 1 ORDER BY 1/);
  });

  it("pages each shopper's orders as a connection and totals them per shopper, every shopper on a plan level in one statement each", async () => {
    const newest = (a: (typeof ORDERS)[number], b: (typeof ORDERS)[number]) => (a.placed_on !== b.placed_on ? (a.placed_on < b.placed_on ? 1 : -1) : a.id < b.id ? 1 : -1);
    const ordersOf = (id: string) => ORDERS.filter((o) => o.person_id === id).sort(newest);
    const summaryOf = (id: string) => {
      const booked = ORDERS.filter((o) => o.person_id === id && o.status !== 'CANCELLED');
      const sum = booked.reduce((total, o) => total + o.amount, 0);
      const days = booked.map((o) => o.placed_on).sort();
      return booked.length
        ? { orders: booked.length, spent: round2(sum), average: round2(sum / booked.length), firstOn: days[0], lastOn: days.at(-1) }
        : { orders: 0, spent: 0, average: null, firstOn: null, lastOn: null };
    };
    mesh.clearQueryLogs();
    const result = await mesh.query(
      '{ people(first: 10) { edges { node { id history(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id } } } summary { orders spent average firstOn lastOn } } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.people.edges.map((edge: { node: unknown }) => edge.node)).toEqual(
      PEOPLE.map(([id]) => ({
        id,
        history: {
          totalCount: ordersOf(id).length,
          pageInfo: { hasNextPage: ordersOf(id).length > 2 },
          edges: ordersOf(id)
            .slice(0, 2)
            .map((o) => ({ node: { id: o.id } })),
        },
        summary: summaryOf(id),
      })),
    );
    // Every shopper's page in one windowed statement, every shopper's totals in one grouped one.
    const statements = data(mesh)('shop-orders');
    expect(statements).toHaveLength(2);
    expect(statements.find((sql) => /row_number\(\) OVER \(PARTITION BY/i.test(sql))).toBeDefined();
    expect(statements.find((sql) => /GROUP BY person_id/i.test(sql))).toBeDefined();

    // Walking one shopper's pages by their cursors: one statement a page, and past the end the count still comes.
    const who = PEOPLE[0][0];
    const seen: string[] = [];
    let after: string | null = null;
    let last: string | null = null;
    let pages = 0;
    mesh.clearQueryLogs();
    do {
      const page: any = (
        await mesh.query('query($id: ID!, $after: String) { person(id: $id) { history(after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id placedOn } } } } }', {
          id: who,
          after,
        })
      ).body.data.person.history;
      expect(page.totalCount).toBe(ordersOf(who).length);
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      last = page.pageInfo.endCursor;
      after = page.pageInfo.hasNextPage ? last : null;
      pages++;
    } while (after);
    expect(seen).toEqual(ordersOf(who).map((o) => o.id));
    expect(data(mesh)('shop-orders')).toHaveLength(pages);
    const past = await mesh.query('query($id: ID!, $after: String) { person(id: $id) { history(after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } } } }', {
      id: who,
      after: last,
    });
    expect(past.body.data.person.history).toEqual({ totalCount: ordersOf(who).length, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('aggregates over a reviewed query that joins two tables, within a date range whose ends are checked against each other', async () => {
    const [from, to] = ['2025-12-01', '2026-02-28'];
    const tiers = new Map<string, { tier: string; orders: number; revenue: number }>();
    for (const o of ORDERS.filter((x) => x.status !== 'CANCELLED' && x.placed_on >= from && x.placed_on <= to)) {
      const tier = LOYALTY.find((l) => l[0] === o.person_id)?.[1];
      if (!tier) continue;
      const bucket = tiers.get(tier) ?? { tier, orders: 0, revenue: 0 };
      tiers.set(tier, { tier, orders: bucket.orders + 1, revenue: bucket.revenue + o.amount });
    }
    const result = await mesh.query(`{ byTier(from: "${from}", to: "${to}") { tier orders revenue } }`);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.byTier).toEqual([...tiers.values()].sort((a, b) => (a.tier < b.tier ? -1 : 1)).map((b) => ({ ...b, revenue: round2(b.revenue) })));
    mesh.clearQueryLogs();
    const reversed = await mesh.query('{ byTier(from: "2026-03-01", to: "2026-01-01") { tier } }');
    expect(reversed.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['INVALID_ARGUMENT', '"from" (2026-03-01) is after "to" (2026-01-01)']]);
    expect(data(mesh)('shop-orders')).toEqual([]);
  });

  it('refuses a page over the limit, a bad date and a forged cursor with their codes, as the hand-written products do', async () => {
    const codes = async (query: string) => (await mesh.query(query)).body.errors?.map((e) => e.extensions?.code);
    expect(await codes('{ orders(first: 101) { totalCount } }')).toEqual(['PAGE_SIZE_EXCEEDED']);
    expect(await codes('{ orders(filter: { from: "2026-13-01" }) { totalCount } }')).toEqual(['INVALID_ARGUMENT']);
    expect(await codes('{ orders(after: "b3Jk.AAAA") { totalCount } }')).toEqual(['INVALID_CURSOR']);
    expect(await codes('{ ordersOf(personId: "P1", first: 51) { id } }')).toEqual(['INVALID_ARGUMENT']);
    const of = await mesh.query('{ ordersOf(personId: "P1", first: 3) { id } }');
    expect(of.body.data.ordersOf.map((o: { id: string }) => o.id)).toEqual(
      ORDERS.filter((o) => o.person_id === 'P1')
        .sort((a, b) => (a.placed_on < b.placed_on ? -1 : 1))
        .slice(0, 3)
        .map((o) => o.id),
    );
  });
});
