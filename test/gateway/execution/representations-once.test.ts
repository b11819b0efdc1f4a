import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FixtureSubgraph } from '../../fixtures/executor/subgraphs.ts';
import { startFixtureGateway, type FixtureGateway } from '../../support/fixture-gateway.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * An `_entities` fetch asks a product for each representation once (issue 28): entities held
 * at several places of the response (the same customer on three orders, the same object
 * reached twice) are one representation, and the product's answer, its nulls and its errors
 * reach every place. Entities that only look alike (the same id under another type, another
 * field of a composite key, another nested key) stay apart. Through the real gateway, with
 * each product recording the representations it was sent.
 */

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@interfaceObject"])';

/** How many items the shop lists, all one item, and how the hostile product words its errors. */
const hostile = { items: 0, distinctMessages: false };

/** What each product was asked for, by type: the representations in the order received. */
const asked: Record<string, unknown[]> = {};
const record = (type: string, representation: Record<string, unknown>) => {
  const { __typename: _, ...fields } = representation;
  const list = asked[type] ?? [];
  list.push(fields);
  asked[type] = list;
};

const ORDERS = [
  { id: 'o1', buyer: 'c1' },
  { id: 'o2', buyer: 'c2' },
  { id: 'o3', buyer: 'c1' },
  { id: 'o4', buyer: 'c1' },
  { id: 'o5', buyer: 'c2' },
  // Known to the shop, unknown to the customers product: it answers null.
  { id: 'o6', buyer: 'c9' },
];
const CUSTOMERS: Record<string, { name: string; tier: string }> = { c1: { name: 'Ada', tier: 'gold' }, c2: { name: 'Bo', tier: 'silver' } };

const SUBGRAPHS: FixtureSubgraph[] = [
  {
    name: 'shop',
    sdl: `${LINK}
      type Query { orders: [Order]  parties: [Party]  bins: [Bin]  parcels: [Parcel]  media: [Media]  items: [Item] }
      interface Media @key(fields: "id") { id: ID! }
      type Book implements Media @key(fields: "id") { id: ID!  title: String }
      type Movie implements Media @key(fields: "id") { id: ID!  length: Int }
      type Item @key(fields: "id") { id: ID! }
      type Order { id: ID!  buyer: Customer }
      union Party = Customer | Supplier
      type Customer @key(fields: "id") { id: ID! }
      type Supplier @key(fields: "id") { id: ID! }
      type Bin @key(fields: "site code") { site: String!  code: Int! }
      type Parcel @key(fields: "id carrier { id }") { id: ID!  carrier: Carrier! }
      type Carrier @shareable { id: ID! }`,
    resolvers: {
      Query: {
        orders: () => ORDERS.map(({ id, buyer }) => ({ id, buyer: { id: buyer } })),
        // A customer and a supplier with the same id are two entities.
        parties: () => [
          { __typename: 'Customer', id: 'c1' },
          { __typename: 'Supplier', id: 'c1' },
          { __typename: 'Customer', id: 'c1' },
        ],
        // A composite key: equal in one field is not equal.
        bins: () => [
          { site: 'north', code: 1 },
          { site: 'north', code: 2 },
          { site: 'south', code: 1 },
          { site: 'north', code: 1 },
        ],
        // Two implementations that happen to share an id: one representation of the interface object.
        media: () => [
          { __typename: 'Book', id: 'm1', title: 'Dune' },
          { __typename: 'Movie', id: 'm1', length: 155 },
        ],
        items: () => Array.from({ length: hostile.items }, () => ({ id: 'same' })),
        // A nested key: equal ids under other carriers are other parcels.
        parcels: () => [
          { id: 'p1', carrier: { id: 'k1' } },
          { id: 'p1', carrier: { id: 'k2' } },
          { id: 'p1', carrier: { id: 'k1' } },
        ],
      },
      Party: { __resolveType: (value: { __typename: string }) => value.__typename },
      Media: { __resolveType: (value: { __typename: string }) => value.__typename },
    },
  },
  {
    name: 'ratings',
    sdl: `${LINK}
      type Media @key(fields: "id") @interfaceObject { id: ID!  rating: Int }`,
    resolvers: {
      Media: {
        __resolveReference: (ref: { id: string }) => {
          record('Media', ref);
          return { id: ref.id, rating: 5 };
        },
      },
    },
  },
  {
    // Answers null for every item, with an error per item listed, all at the one representation.
    name: 'hostile',
    sdl: `${LINK}
      type Item @key(fields: "id") { id: ID!  detail: String }`,
    resolvers: {},
    respond: ({ variables }) => ({
      data: { _entities: ((variables?.representations as unknown[]) ?? []).map(() => null) },
      errors: Array.from({ length: hostile.items }, (_, i) => ({ message: hostile.distinctMessages ? `no detail (${i})` : 'no detail', path: ['_entities', 0, 'detail'] })),
    }),
  },
  {
    name: 'customers',
    sdl: `${LINK}
      type Customer @key(fields: "id") { id: ID!  name: String  tier: Tier }
      type Supplier @key(fields: "id") { id: ID!  name: String }
      type Tier @key(fields: "code") { code: String! }`,
    resolvers: {
      Customer: {
        __resolveReference: (ref: { id: string }) => {
          record('Customer', ref);
          const customer = CUSTOMERS[ref.id];
          return customer ? { id: ref.id, name: customer.name, tier: { code: customer.tier } } : null;
        },
      },
      Supplier: {
        __resolveReference: (ref: { id: string }) => {
          record('Supplier', ref);
          return { id: ref.id, name: `supplier ${ref.id}` };
        },
      },
    },
  },
  {
    name: 'tiers',
    sdl: `${LINK}
      type Tier @key(fields: "code") { code: String!  discount: Int }
      type Bin @key(fields: "site code") { site: String!  code: Int!  capacity: Int }
      type Parcel @key(fields: "id carrier { id }") { id: ID!  carrier: Carrier!  label: String }
      type Carrier @shareable { id: ID! }`,
    resolvers: {
      Tier: {
        __resolveReference: (ref: { code: string }) => {
          record('Tier', ref);
          return ref;
        },
        discount: ({ code }: { code: string }) => {
          if (code === 'gold') throw new GraphQLError('gold discounts are being recalculated', { extensions: { code: 'PRODUCT_ERROR' } });
          return 5;
        },
      },
      Bin: {
        __resolveReference: (ref: { site: string; code: number }) => {
          record('Bin', ref);
          return { ...ref, capacity: (ref.site === 'north' ? 100 : 200) + ref.code };
        },
      },
      Parcel: {
        __resolveReference: (ref: { id: string; carrier: { id: string } }) => {
          record('Parcel', ref);
          return { ...ref, label: `${ref.id} by ${ref.carrier.id}` };
        },
      },
    },
  },
];

// Nothing shared between requests or kept: each query asks the products afresh.
let running: FixtureGateway;
beforeAll(async () => {
  running = await startFixtureGateway(SUBGRAPHS);
});
afterAll(async () => {
  await running?.close();
});
beforeEach(() => {
  for (const type of Object.keys(asked)) delete asked[type];
});

const ask = (query: string) => postGraphQL(running.gateway.url, { query });

describe('an entity fetch asks for each representation once', () => {
  it('three orders of one customer: the customer is asked once, and every order shows the answer', async () => {
    const { body } = await ask('{ orders { id buyer { id name } } }');
    expect(asked.Customer).toEqual([{ id: 'c1' }, { id: 'c2' }, { id: 'c9' }]);
    expect(body.errors).toBeUndefined();
    expect(body.data?.orders).toEqual([
      { id: 'o1', buyer: { id: 'c1', name: 'Ada' } },
      { id: 'o2', buyer: { id: 'c2', name: 'Bo' } },
      { id: 'o3', buyer: { id: 'c1', name: 'Ada' } },
      { id: 'o4', buyer: { id: 'c1', name: 'Ada' } },
      { id: 'o5', buyer: { id: 'c2', name: 'Bo' } },
      // The product answered null for c9: its fields are null by its data, with no error.
      { id: 'o6', buyer: { id: 'c9', name: null } },
    ]);
  });

  it('a chain: the tier every gold customer shares is asked once, and its error stands at each of its places', async () => {
    const { body } = await ask('{ orders { id buyer { tier { code discount } } } }');
    expect(asked.Customer).toHaveLength(3);
    expect(asked.Tier).toEqual([{ code: 'gold' }, { code: 'silver' }]);
    const orders = (body.data?.orders ?? []) as { buyer: { tier: unknown } | null }[];
    const tiers = orders.map((order) => order.buyer?.tier ?? null);
    expect(tiers).toEqual([
      { code: 'gold', discount: null },
      { code: 'silver', discount: 5 },
      { code: 'gold', discount: null },
      { code: 'gold', discount: null },
      { code: 'silver', discount: 5 },
      null,
    ]);
    const places = (body.errors ?? []).map((error) => [error.extensions?.code, error.path?.join('.')]).sort();
    expect(places).toEqual([
      ['PRODUCT_ERROR', 'orders.0.buyer.tier.discount'],
      ['PRODUCT_ERROR', 'orders.2.buyer.tier.discount'],
      ['PRODUCT_ERROR', 'orders.3.buyer.tier.discount'],
    ]);
  });

  it('the same id under two types is two entities', async () => {
    const { body } = await ask('{ parties { ... on Customer { id name } ... on Supplier { id name } } }');
    expect(asked.Customer).toEqual([{ id: 'c1' }]);
    expect(asked.Supplier).toEqual([{ id: 'c1' }]);
    expect(body.data?.parties).toEqual([
      { id: 'c1', name: 'Ada' },
      { id: 'c1', name: 'supplier c1' },
      { id: 'c1', name: 'Ada' },
    ]);
  });

  it('a composite key: entities equal in one of its fields are apart, equal in all are one', async () => {
    const { body } = await ask('{ bins { site code capacity } }');
    expect(asked.Bin).toEqual([
      { site: 'north', code: 1 },
      { site: 'north', code: 2 },
      { site: 'south', code: 1 },
    ]);
    expect(body.data?.bins).toEqual([
      { site: 'north', code: 1, capacity: 101 },
      { site: 'north', code: 2, capacity: 102 },
      { site: 'south', code: 1, capacity: 201 },
      { site: 'north', code: 1, capacity: 101 },
    ]);
  });

  it('a nested key: equal ids under other carriers are other parcels', async () => {
    const { body } = await ask('{ parcels { id label } }');
    expect(asked.Parcel).toEqual([
      { id: 'p1', carrier: { id: 'k1' } },
      { id: 'p1', carrier: { id: 'k2' } },
    ]);
    expect(body.data?.parcels).toEqual([
      { id: 'p1', label: 'p1 by k1' },
      { id: 'p1', label: 'p1 by k2' },
      { id: 'p1', label: 'p1 by k1' },
    ]);
  });

  it('@interfaceObject: implementations sharing an id keep their own type and fields', async () => {
    const { body } = await ask('{ media { __typename id rating ... on Book { title } ... on Movie { length } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data?.media).toEqual([
      { __typename: 'Book', id: 'm1', rating: 5, title: 'Dune' },
      { __typename: 'Movie', id: 'm1', rating: 5, length: 155 },
    ]);
  });
});

describe('a product cannot multiply its errors by the places a representation stands for', () => {
  const places = (errors: { path?: readonly (string | number)[] }[] | undefined) => new Set((errors ?? []).map((error) => error.path?.join('.')));

  it('the same error sent once per place reaches each place once', async () => {
    hostile.items = 300;
    hostile.distinctMessages = false;
    const { body } = await ask('{ items { id detail } }');
    expect(body.data?.items).toHaveLength(300);
    expect(body.errors).toHaveLength(300);
    expect(places(body.errors).size).toBe(300);
  });

  it('errors worded apart each reach the client, without one copy per place for each', async () => {
    hostile.items = 300;
    hostile.distinctMessages = true;
    const { body } = await ask('{ items { id detail } }');
    // The first stands at every place, each other one once: 300 + 299, not 300 x 300.
    expect(body.errors).toHaveLength(599);
    expect(places(body.errors).size).toBe(300);
  });
});
