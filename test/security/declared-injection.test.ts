import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeclaration, safeParseDeclaration } from '../../schema/product/declaration.ts';
import { buildModel, relationSql, type LinkMapping } from '../../subgraphs/kit/declared/declared-model.ts';
import { DeclaredLoaders } from '../../subgraphs/kit/declared/declared-resolvers.ts';
import { ORDERS } from '../fixtures/declared-shop/shop-data.ts';
import { reachableShopEngines, removeShopFiles, startShop } from '../fixtures/declared-shop/shop-engines.ts';
import { FIXTURE_DIR } from '../fixtures/declared-shop/shop-data.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';

/**
 * Injection into a declared product, on every engine: through each argument, filter, sort
 * order and cursor the shop's orders product takes. Names in its SQL come only from the
 * reviewed declaration and values only as bound parameters, so hostile text is data that
 * matches nothing, or a refusal with its exact code; never SQL, never an engine's error.
 */
const HOSTILE = ["' OR '1'='1", "x'; DROP TABLE shop_orders; --", "PAID' OR 1=1 #", '"; SELECT * FROM people --', "\\' OR 1=1 --", '%', '_'];

afterAll(() => removeShopFiles());

describe.each(await reachableShopEngines())('hostile input to a declared product on $name', (engine) => {
  let mesh: MeshHarness;
  beforeAll(async () => {
    mesh = await startShop(engine);
  }, 60_000);
  afterAll(async () => {
    await mesh?.close();
  });

  const ask = async (query: string, variables?: Record<string, unknown>) => {
    const result = await mesh.query(query, variables);
    // Whatever happened, no engine text reached the caller.
    expect(JSON.stringify(result.body)).not.toMatch(/SELECT|shop_orders|syntax|Binder Error|ER_|42P01|mg_/i);
    return result;
  };

  it('treats hostile text in every string filter, key and argument as data that matches nothing', async () => {
    for (const text of HOSTILE) {
      const variables = { text, id: text, list: [text, `${text}2`] };
      const result = await ask(
        `query($text: String!, $id: ID!, $list: [String!]) {
          status: orders(first: 5, filter: { status: $text }) { totalCount }
          statusIn: orders(first: 5, filter: { statusIn: $list }) { totalCount }
          prefix: orders(first: 5, filter: { notePrefix: $text }) { totalCount }
          order(id: $id) { id }
          person(id: $id) { id }
          people(first: 5, namePrefix: $text, countries: $list) { totalCount }
          ordersOf(personId: $id) { id }
          byMonth(status: $text) { period }
        }`,
        variables,
      );
      expect(result.body.errors, text).toBeUndefined();
      expect(result.body.data, text).toEqual({
        status: { totalCount: 0 },
        statusIn: { totalCount: 0 },
        prefix: { totalCount: 0 },
        order: null,
        person: null,
        people: { totalCount: 0 },
        ordersOf: [],
        byMonth: [],
      });
    }
    // The table is whole: nothing hostile ran as a statement.
    expect((await ask('{ orders(first: 1) { totalCount } }')).body.data.orders.totalCount).toBe(ORDERS.length);
  });

  it('refuses a NUL character in any text with INVALID_ARGUMENT, the same on every engine', async () => {
    const text = 'PAID\u0000 OR 1=1';
    for (const query of [
      'query($t: String) { orders(filter: { status: $t }) { totalCount } }',
      'query($t: String) { orders(filter: { notePrefix: $t }) { totalCount } }',
      'query($t: String!) { orders(filter: { statusIn: [$t] }) { totalCount } }',
      'query($t: ID!) { order(id: $t) { id } }',
      'query($t: ID!) { ordersOf(personId: $t) { id } }',
      'query($t: String) { byMonth(status: $t) { period } }',
    ]) {
      const result = await ask(query, { t: text });
      expect(
        result.body.errors?.map((e) => e.extensions?.code),
        query,
      ).toEqual(['INVALID_ARGUMENT']);
    }
  });

  it('refuses hostile dates with INVALID_ARGUMENT before any statement runs', async () => {
    mesh.clearQueryLogs();
    for (const text of ["2026-01-01' OR '1'='1", '2026-01-01; DROP TABLE people', "2026-01-01'--", '2026-02-30x']) {
      const list = await ask('query($d: String) { orders(filter: { from: $d }) { totalCount } }', { d: text });
      expect(list.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_ARGUMENT']);
      const buckets = await ask('query($d: String) { byDay(from: $d) { period } }', { d: text });
      expect(buckets.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_ARGUMENT']);
      // Either end of a range, and the range checked only once both ends are dates.
      for (const variables of [
        { from: text, to: '2026-01-01' },
        { from: '2026-01-01', to: text },
        { from: text, to: text },
      ]) {
        const range = await ask('query($from: String!, $to: String!) { byTier(from: $from, to: $to) { tier } }', variables);
        expect(range.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['INVALID_ARGUMENT', expect.stringMatching(/^"(from|to)" must be a date as YYYY-MM-DD$/)]]);
        expect(JSON.stringify(range.body)).not.toContain(text);
      }
    }
    const reversed = await ask('{ byTier(from: "2026-01-02", to: "2026-01-01") { tier } }');
    expect(reversed.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_ARGUMENT']);
    expect(mesh.statements('shop-orders')).toEqual([]);
  });

  it("refuses a shopper's history cursor on another shopper, on the order list, forged or out of range, with INVALID_CURSOR; and page sizes out of bounds", async () => {
    const history = 'query($id: ID!, $after: String, $first: Int) { person(id: $id) { history(first: $first, after: $after) { totalCount edges { node { id } } } } }';
    const own = (await ask('query($id: ID!) { person(id: $id) { history(first: 1) { pageInfo { endCursor } } } }', { id: 'P1' })).body.data.person.history.pageInfo.endCursor as string;
    const list = (await ask('{ orders(first: 1) { pageInfo { endCursor } } }')).body.data.orders.pageInfo.endCursor as string;
    const [payload, tag] = own.split('.');
    for (const [id, after] of [
      ['P2', own],
      ['P1', list],
      ['P1', `${Buffer.from('-1').toString('base64url')}.${tag}`],
      ['P1', `${Buffer.from('1 OR 1=1 --').toString('base64url')}.${tag}`],
      ['P1', `${payload}.${'A'.repeat(tag!.length)}`],
      ['P1', "1' OR '1'='1"],
    ]) {
      const result = await ask(history, { id, after });
      expect(
        result.body.errors?.map((e) => e.extensions?.code),
        `${id} ${after}`,
      ).toEqual(['INVALID_CURSOR']);
    }
    expect((await ask(history, { id: 'P1', after: own })).body.errors).toBeUndefined();
    for (const first of [101, -1]) expect((await ask(history, { id: 'P1', first })).body.errors?.map((e) => e.extensions?.code)).toEqual(['PAGE_SIZE_EXCEEDED']);
  });

  it('binds hostile parent keys of a connection and a summary: they match no rows and run nothing', async () => {
    // Parent keys reach these fields only in the gateway's entity representations; the loaders bind them all the same.
    const dir = join(FIXTURE_DIR, 'orders');
    const model = buildModel(loadDeclaration(dir)!, readFileSync(join(dir, 'schema.graphql'), 'utf8'));
    const person = model.types.get('Person')!;
    const history = person.links.get('history') as Extract<LinkMapping, { connection: unknown }>;
    const summary = person.links.get('summary') as Extract<LinkMapping, { summary: unknown }>;
    const store = mesh.products['shop-orders']!.product.store;
    const loaders = new DeclaredLoaders(model, store, undefined);
    const order = [
      { column: 'placed_on', descending: true },
      { column: 'id', descending: false },
    ];
    const relation = summary.summary.from as Exclude<typeof summary.summary.from, string>;
    const keys = [...HOSTILE, "P1' OR '1'='1"];
    const pages = await loaders
      .connection('Person.history', model.types.get(history.connection.type)!, history.connection.match, order)
      .loadMany(keys.flatMap((key) => [`5:0\u0000${key}`, `5:5\u0000${key}`]));
    expect(pages).toEqual(
      keys.flatMap(() => [
        { rows: [], total: 0 },
        { rows: [], total: 0 },
      ]),
    );
    const totals = await loaders.summary('Person.summary', relationSql(relation, loaders.dialect), undefined, summary.summary.match, summary.summary.measures, relation).loadMany(keys);
    expect(totals).toEqual(keys.map(() => undefined));
    expect((await ask('{ orders(first: 1) { totalCount } }')).body.data.orders.totalCount).toBe(ORDERS.length);
  });

  it('refuses a sort order that is not declared, and hostile numbers, at the gateway', async () => {
    // These never reach the product: the gateway's own validation answers (and may quote the value back).
    const sort = await mesh.query('query($o: OrderSort) { orders(orderBy: $o) { totalCount } }', { o: 'NEWEST; DROP TABLE people' });
    expect(sort.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const inline = await mesh.query('{ orders(orderBy: id) { totalCount } }');
    expect(inline.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const amount = await mesh.query('query($a: Float) { orders(filter: { minAmount: $a }) { totalCount } }', { a: '1 OR 1=1' });
    expect(amount.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const limit = await mesh.query('{ ordersOf(personId: "P1", first: 0) { id } }');
    expect(limit.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_ARGUMENT']);
    const negative = await mesh.query('{ orders(first: -1) { totalCount } }');
    expect(negative.body.errors?.map((e) => e.extensions?.code)).toEqual(['PAGE_SIZE_EXCEEDED']);
    const many = await mesh.query('query($l: [String!]) { orders(filter: { statusIn: $l }) { totalCount } }', { l: Array.from({ length: 1001 }, (_, i) => `S${i}`) });
    expect(many.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_ARGUMENT']);
  });

  it('refuses cursors made by hand, carrying SQL, or replayed under another filter or order, with INVALID_CURSOR', async () => {
    const page = (await ask('{ orders(first: 2, orderBy: NEWEST, filter: { status: "PAID" }) { pageInfo { endCursor } } }')).body.data.orders.pageInfo.endCursor as string;
    const [payload, tag] = page.split('.');
    const forged = [
      `${Buffer.from(JSON.stringify(["2026-01-01' OR 1=1 --", 'O01'])).toString('base64url')}.${tag}`,
      `${Buffer.from('["x"]) OR 1=1 --').toString('base64url')}.${tag}`,
      `${payload}.${'A'.repeat(tag!.length)}`,
      `${payload}x.${tag}`,
      'A'.repeat(400),
      "' OR 1=1 --",
    ];
    for (const after of forged) {
      const result = await ask('query($after: String) { orders(first: 2, after: $after, orderBy: NEWEST, filter: { status: "PAID" }) { totalCount } }', { after });
      expect(
        result.body.errors?.map((e) => e.extensions?.code),
        after,
      ).toEqual(['INVALID_CURSOR']);
    }
    // The real cursor opens only the list it came from.
    for (const other of ['orderBy: AMOUNT_DESC, filter: { status: "PAID" }', 'orderBy: NEWEST, filter: { status: "SHIPPED" }', 'orderBy: NEWEST']) {
      const replay = await ask(`query($after: String) { orders(first: 2, after: $after, ${other}) { totalCount } }`, { after: page });
      expect(
        replay.body.errors?.map((e) => e.extensions?.code),
        other,
      ).toEqual(['INVALID_CURSOR']);
    }
    const honest = await ask('query($after: String) { orders(first: 2, after: $after, orderBy: NEWEST, filter: { status: "PAID" }) { edges { node { id } } } }', { after: page });
    expect(honest.body.errors).toBeUndefined();
  });
});

describe('a declaration that would put hostile text into SQL names', () => {
  const sdl = readFileSync(join(FIXTURE_DIR, 'orders', 'schema.graphql'), 'utf8');
  const declared = readFileSync(join(FIXTURE_DIR, 'orders', 'declared.yaml'), 'utf8');

  it.each([
    ['a table name with a statement in it', declared.replace('table: shop_orders', 'table: "shop_orders; DROP TABLE people"'), 'types.Order.from'],
    ['a quoted column name', declared.replace('placedOn: placed_on', "placedOn: 'placed_on\" FROM people --'"), 'types.Order.fields.placedOn'],
    ['an expression with a second statement', declared.replace('upper(status)', '"upper(status); DELETE FROM people"'), 'types.Order.fields.statusCode'],
    ['an expression hiding text in a comment', declared.replace('upper(status)', '"upper(status) /* x */"'), 'types.Order.fields.statusCode'],
    ['a relation query that is not a SELECT', declared.replace(`"SELECT person_id, tier FROM loyalty WHERE tier <> 'NONE'"`, '"DELETE FROM loyalty"'), 'types.Person.fields.loyaltyTier'],
    ['a sort term that is not a name', declared.replace('NEWEST: [-placedOn]', 'NEWEST: ["placedOn DESC, (SELECT 1)"]'), 'queries.orders.sort.orders.NEWEST.0'],
    ['a connection order that is not a column', declared.replace('orderBy: [-placed_on, -id], defaultSize: 3', 'orderBy: ["placed_on DESC) --"], defaultSize: 3'), 'types.Person.fields.history'],
    ['a connection matched on SQL', declared.replace('match: person_id, orderBy: [-placed_on', 'match: "person_id OR 1=1", orderBy: [-placed_on'), 'types.Person.fields.history'],
    [
      'a summary relation that is not a SELECT',
      declared.replace(`"SELECT person_id, placed_on, amount FROM shop_orders WHERE status <> 'CANCELLED'"`, '"DELETE FROM shop_orders"'),
      'types.Person.fields.summary',
    ],
    ['a summary measure over SQL', declared.replace('spent: { fn: sum, column: amount, round: 2 }', 'spent: { fn: sum, column: "amount) FROM people --", round: 2 }'), 'types.Person.fields.summary'],
    ['a range bound to a filter the query lacks', declared.replace('notAfter: to', 'notAfter: "to OR 1=1"'), 'queries.byTier.aggregate.filters.from'],
    ['a watermark column that is not a name', `${declared}\nwatermark: { from: Order, column: "max(placed_on)) FROM people --" }\n`, 'watermark.column'],
  ])('refuses %s with DECLARATION_INVALID naming its path', (_, text, path) => {
    const result = safeParseDeclaration(text, sdl);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path).some((p) => p.startsWith(path))).toBe(true);
  });
});
