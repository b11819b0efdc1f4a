import type { BenchSubgraph } from '../lib/serve-subgraph.ts';

/**
 * The three federation edge cases of issue 25, as small products with data: what a planner is
 * measured on (`bench/planner/run.ts`) and what the differential harness asks of the gateway.
 * They compose into one supergraph; no type is shared between the cases.
 *
 * 1. `@requires` with arguments that clash with a caller's: `insights` computes
 *    `Product.firstThreeRatingSum` from `reviews(first: 3) { rating }`, and `shop` serves
 *    `reviews(first:)` to callers too. A caller's `reviews(first: 1)` must stay one review.
 * 2. A chain of keys: `registry` knows an `Item` by `id`, `bridge` by `id` and `upc`,
 *    `pricing` by `upc` and `sku`, `stock` by `sku` only. `price` is three products from the
 *    root, `stock` four.
 * 3. `@interfaceObject` without a resolvable type: `ratings` holds `Media` as an interface
 *    object and names ids (`m9`) that `media`, which owns the interface, does not know, so no
 *    product can say the object's concrete type.
 */

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@interfaceObject"])';

/** Product p1's reviews, best first: the first three ratings sum to 12, the first one is 5. */
const RATINGS: Record<string, number[]> = { p1: [5, 4, 3, 2, 1], p2: [1, 1] };
const reviewsOf = (id: string, first: number) => (RATINGS[id] ?? []).slice(0, first).map((rating, i) => ({ id: `${id}-r${i + 1}`, rating }));

interface Item {
  id: string;
  upc: string;
  sku: string;
  name: string;
  price: number;
  stock: number;
}
const ITEMS: Item[] = [
  { id: 'i1', upc: 'u1', sku: 's1', name: 'Lamp', price: 40, stock: 3 },
  { id: 'i2', upc: 'u2', sku: 's2', name: 'Desk', price: 250, stock: 0 },
];
const itemBy = (ref: Partial<Item>) => ITEMS.find((i) => (ref.id !== undefined ? i.id === ref.id : ref.upc !== undefined ? i.upc === ref.upc : i.sku === ref.sku)) ?? null;

const MEDIA = [
  { __typename: 'Film', id: 'm1', title: 'Metropolis' },
  { __typename: 'Film', id: 'm2', title: 'Nosferatu' },
];

export const EDGE_CASE_SUBGRAPHS: readonly BenchSubgraph[] = [
  {
    name: 'shop',
    sdl: `${FEDERATION}
      type Query { product(id: ID!): Product  products: [Product!]! }
      type Product @key(fields: "id") { id: ID!  name: String!  reviews(first: Int!): [Review!]! }
      type Review @shareable { id: ID!  rating: Int! }`,
    resolvers: {
      Query: { product: (_: unknown, { id }: { id: string }) => (RATINGS[id] ? { id } : null), products: () => Object.keys(RATINGS).map((id) => ({ id })) },
      Product: {
        __resolveReference: ({ id }: { id: string }) => (RATINGS[id] ? { id } : null),
        name: ({ id }: { id: string }) => `product ${id}`,
        reviews: ({ id }: { id: string }, { first }: { first: number }) => reviewsOf(id, first),
      },
    },
  },
  {
    name: 'insights',
    sdl: `${FEDERATION}
      type Product @key(fields: "id") {
        id: ID!
        reviews(first: Int!): [Review!]! @external
        firstThreeRatingSum: Int @requires(fields: "reviews(first: 3) { rating }")
      }
      type Review @shareable { rating: Int! @external }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: unknown) => ref,
        firstThreeRatingSum: ({ reviews }: { reviews?: { rating: number }[] }) => (reviews ? reviews.reduce((sum, r) => sum + r.rating, 0) : null),
      },
    },
  },
  {
    name: 'registry',
    sdl: `${FEDERATION}
      type Query { items: [Item!]!  item(id: ID!): Item }
      type Item @key(fields: "id") { id: ID!  name: String! }`,
    resolvers: {
      Query: { items: () => ITEMS, item: (_: unknown, { id }: { id: string }) => itemBy({ id }) },
      Item: { __resolveReference: (ref: Partial<Item>) => itemBy(ref) },
    },
  },
  {
    name: 'bridge',
    sdl: `${FEDERATION}
      type Item @key(fields: "id") @key(fields: "upc") { id: ID!  upc: String! }`,
    resolvers: { Item: { __resolveReference: (ref: Partial<Item>) => itemBy(ref) } },
  },
  {
    name: 'pricing',
    sdl: `${FEDERATION}
      type Item @key(fields: "upc") @key(fields: "sku") { upc: String!  sku: String!  price: Int! }`,
    resolvers: { Item: { __resolveReference: (ref: Partial<Item>) => itemBy(ref) } },
  },
  {
    name: 'stock',
    sdl: `${FEDERATION}
      type Item @key(fields: "sku") { sku: String!  stock: Int! }`,
    resolvers: { Item: { __resolveReference: (ref: Partial<Item>) => itemBy(ref) } },
  },
  {
    name: 'media',
    sdl: `${FEDERATION}
      type Query { films: [Film!]! }
      interface Media @key(fields: "id") { id: ID!  title: String }
      type Film implements Media @key(fields: "id") { id: ID!  title: String }`,
    resolvers: {
      Query: { films: () => MEDIA },
      Media: { __resolveType: (value: { __typename: string }) => value.__typename, __resolveReference: ({ id }: { id: string }) => MEDIA.find((m) => m.id === id) ?? null },
      Film: { __resolveReference: ({ id }: { id: string }) => MEDIA.find((m) => m.id === id) ?? null },
    },
  },
  {
    name: 'ratings',
    sdl: `${FEDERATION}
      type Query { spotlight: Media  featured: Media!  picks: [Media] }
      type Media @key(fields: "id") @interfaceObject { id: ID!  rating: Int }`,
    resolvers: {
      // m9 is known to no product that can name its concrete type.
      Query: { spotlight: () => ({ id: 'm9' }), featured: () => ({ id: 'm9' }), picks: () => [{ id: 'm1' }, { id: 'm9' }] },
      Media: { __resolveReference: ({ id }: { id: string }) => ({ id }), rating: ({ id }: { id: string }) => (id === 'm1' ? 5 : 2) },
    },
  },
];
