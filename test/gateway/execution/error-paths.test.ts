import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../../bench/lib/compose-supergraph.ts';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { startGateway } from '../../../gateway/create-gateway.ts';
import { serveSignedSubgraphs, type FixtureSubgraph } from '../../fixtures/executor/subgraphs.ts';
import { postForParts } from '../../support/multipart-parts.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * Where an error stands, through the real gateway and products of its own (issue 25): an error
 * inside an entity fetch at the client's place of that entity (among other types, twice in one
 * list, in a list of lists, in a deferred part); a product that is down told at each field it
 * would have filled, and through a non-null one at the nearest nullable parent; a `@requires`
 * input left out by `@skip`/`@include` that no longer costs the fields beside it.
 */

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])';

// g2's detail always fails; g4 is known to no product's store but the catalog's.
const GADGETS = ['g1', 'g2', 'g3', 'g4'];
const SUBGRAPHS: FixtureSubgraph[] = [
  {
    name: 'catalog',
    sdl: `${LINK}
      type Query { things: [Thing]  boxes: [Box]  shelves: [[Gadget]]  gadget(id: ID!): Gadget }
      union Thing = Gadget | Note
      type Note { text: String }
      type Box { label: String  gadgets: [Gadget] }
      type Gadget @key(fields: "id") { id: ID!  grams: Int  price: Int }`,
    resolvers: {
      Query: {
        // Five things, g2 twice, among notes: its place in the list is not its place among the gadgets.
        things: () => [{ __typename: 'Note', text: 'n1' }, gadget('g1'), gadget('g2'), { __typename: 'Note', text: 'n2' }, gadget('g2')],
        boxes: () => [
          { label: 'a', gadgets: [gadget('g1')] },
          { label: 'b', gadgets: [gadget('g3'), gadget('g2')] },
        ],
        shelves: () => [[gadget('g1')], null, [gadget('g3'), gadget('g2')]],
        gadget: (_: unknown, { id }: { id: string }) => (GADGETS.includes(id) ? gadget(id) : null),
      },
      Thing: { __resolveType: (value: { __typename: string }) => value.__typename },
      Gadget: { __resolveReference: ({ id }: { id: string }) => gadget(id) },
    },
  },
  {
    name: 'details',
    sdl: `${LINK}
      type Gadget @key(fields: "id") {
        id: ID!
        detail: String
        grams: Int @external
        price: Int @external
        shipping: String @requires(fields: "grams")
        label: String @requires(fields: "price")
      }`,
    resolvers: {
      Gadget: {
        __resolveReference: (ref: { id: string; grams?: number; price?: number }) => ref,
        detail: ({ id }: { id: string }) => {
          if (id === 'g2') throw new GraphQLError(`detail of ${id} is unavailable`, { extensions: { code: 'PRODUCT_ERROR' } });
          return `detail of ${id}`;
        },
        shipping: ({ grams }: { grams?: number }) => (grams === undefined ? null : grams > 500 ? 'freight' : 'parcel'),
        label: ({ price }: { price?: number }) => (price === undefined ? null : `${price} EUR`),
      },
    },
  },
  {
    name: 'stock',
    sdl: `${LINK}
      type Query { stockCount: Int }
      type Gadget @key(fields: "id") { id: ID!  inStock: Boolean  reserved: Int! }`,
    resolvers: { Query: { stockCount: () => 4 } },
    failWith: 503,
  },
];

function gadget(id: string) {
  const n = Number(id.slice(1));
  return { __typename: 'Gadget', id, grams: n * 300, price: n * 10 };
}

let served: Awaited<ReturnType<typeof serveSignedSubgraphs>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
const tmp = mkdtempSync(join(tmpdir(), 'meshgate-error-paths-'));

beforeAll(async () => {
  served = await serveSignedSubgraphs(SUBGRAPHS);
  const file = join(tmp, 'supergraph.graphql');
  composeSupergraph(
    SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: served.urls[s.name]! })),
    file,
  );
  gateway = await startGateway(resolveGatewayConfig({ port: 0, supergraph: { file }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, transport: { retry: { retries: 0 } } }));
});
afterAll(async () => {
  await gateway?.close();
  await served?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ask = (query: string, variables?: Record<string, unknown>) => postGraphQL(gateway.url, { query, variables });
type Answer = Awaited<ReturnType<typeof ask>>['body'];
const placed = (body: Answer) => (body.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.product ?? null, e.path ?? null]);
const sorted = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();

describe('an error inside an entity fetch stands where the client asked for the entity', () => {
  it('in a list of five of two types, one entity twice: at both of its places, not at its index among the fetch', async () => {
    const { body } = await ask('{ things { ... on Note { text } ... on Gadget { id detail } } }');
    expect(body.data).toEqual({
      things: [{ text: 'n1' }, { id: 'g1', detail: 'detail of g1' }, { id: 'g2', detail: null }, { text: 'n2' }, { id: 'g2', detail: null }],
    });
    expect(sorted(placed(body))).toEqual(
      sorted([
        ['PRODUCT_ERROR', 'details', ['things', 2, 'detail']],
        ['PRODUCT_ERROR', 'details', ['things', 4, 'detail']],
      ]),
    );
  });

  it('in a list inside a list of objects, and in a list of lists', async () => {
    const boxes = await ask('{ boxes { label gadgets { id detail } } }');
    expect(boxes.body.data?.boxes[1]).toEqual({
      label: 'b',
      gadgets: [
        { id: 'g3', detail: 'detail of g3' },
        { id: 'g2', detail: null },
      ],
    });
    expect(placed(boxes.body)).toEqual([['PRODUCT_ERROR', 'details', ['boxes', 1, 'gadgets', 1, 'detail']]]);

    const shelves = await ask('{ shelves { id detail } }');
    expect(shelves.body.data).toEqual({
      shelves: [
        [{ id: 'g1', detail: 'detail of g1' }],
        null,
        [
          { id: 'g3', detail: 'detail of g3' },
          { id: 'g2', detail: null },
        ],
      ],
    });
    expect(placed(shelves.body)).toEqual([['PRODUCT_ERROR', 'details', ['shelves', 2, 1, 'detail']]]);
  });

  it('in a deferred part: at its place in the whole answer', async () => {
    const reader = await postForParts(gateway.url, { query: '{ things { ... on Gadget { id ... @defer(label: "detail") { detail } } } }' });
    const parts = [await reader.next(), ...(await reader.rest())];
    const errors = parts.flatMap((part) => (part.incremental ?? []).flatMap((increment: { errors?: Answer['errors'] }) => increment.errors ?? []));
    expect(sorted(errors.map((e) => [e.extensions?.code, e.extensions?.product ?? null, e.path ?? null]))).toEqual(
      sorted([
        ['PRODUCT_ERROR', 'details', ['things', 2, 'detail']],
        ['PRODUCT_ERROR', 'details', ['things', 4, 'detail']],
      ]),
    );
  });
});

describe('a product that is down is told at each field it should have filled', () => {
  it('at the root and on every entity of a list, with the code of the failure', async () => {
    const { body } = await ask('{ stockCount boxes { gadgets { id inStock } } }');
    expect(body.data).toEqual({
      stockCount: null,
      boxes: [
        { gadgets: [{ id: 'g1', inStock: null }] },
        {
          gadgets: [
            { id: 'g3', inStock: null },
            { id: 'g2', inStock: null },
          ],
        },
      ],
    });
    expect(sorted(placed(body))).toEqual(
      sorted([
        ['PRODUCT_UNAVAILABLE', 'stock', ['stockCount']],
        ['PRODUCT_UNAVAILABLE', 'stock', ['boxes', 0, 'gadgets', 0, 'inStock']],
        ['PRODUCT_UNAVAILABLE', 'stock', ['boxes', 1, 'gadgets', 0, 'inStock']],
        ['PRODUCT_UNAVAILABLE', 'stock', ['boxes', 1, 'gadgets', 1, 'inStock']],
      ]),
    );
  });

  it('through a non-null field: its error at the field, the nearest nullable parent null, and no second error', async () => {
    const { body } = await ask('{ gadget(id: "g1") { id reserved } }');
    expect(body.data).toEqual({ gadget: null });
    expect(placed(body)).toEqual([['PRODUCT_UNAVAILABLE', 'stock', ['gadget', 'reserved']]]);
  });

  it('a field @skip leaves out gets no error; a fetch left with no field to fill still tells its failure, with no path', async () => {
    const { body } = await ask('query S($s: Boolean!) { gadget(id: "g1") { id inStock @skip(if: $s) reserved @include(if: false) } stockCount }', { s: true });
    expect(body.data).toEqual({ gadget: { id: 'g1' }, stockCount: null });
    expect(sorted(placed(body))).toEqual(
      sorted([
        ['PRODUCT_UNAVAILABLE', 'stock', ['stockCount']],
        ['PRODUCT_UNAVAILABLE', 'stock', null],
      ]),
    );
  });
});

describe('a @requires input left out by @skip/@include', () => {
  const QUERY = 'query R($label: Boolean!) { boxes { gadgets { id label @include(if: $label) shipping } } }';

  it('costs nothing to the field beside it: the entity is still fetched, without that input', async () => {
    const { body } = await ask(QUERY, { label: false });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      boxes: [
        { gadgets: [{ id: 'g1', shipping: 'parcel' }] },
        {
          gadgets: [
            { id: 'g3', shipping: 'freight' },
            { id: 'g2', shipping: 'freight' },
          ],
        },
      ],
    });
  });

  it('and with the condition the other way, both fields are computed from their inputs', async () => {
    const { body } = await ask(QUERY, { label: true });
    expect(body.errors).toBeUndefined();
    expect(body.data?.boxes[1].gadgets).toEqual([
      { id: 'g3', label: '30 EUR', shipping: 'freight' },
      { id: 'g2', label: '20 EUR', shipping: 'freight' },
    ]);
  });
});
