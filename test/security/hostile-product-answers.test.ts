import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../bench/lib/compose-supergraph.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { RawAnswer, serveSignedSubgraphs, type FixtureSubgraph, type RunningFixture } from '../fixtures/executor/subgraphs.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/**
 * A product that answers the gateway's `_entities` fetches with something it should not:
 * the wrong number of entities, no list, a `__proto__` key, a type name the API does not
 * have, a value of the wrong type. Our executor keeps the rest of the answer, reports each
 * with its exact code, and is not polluted by any of it.
 */
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
let hostileAnswer: (representations: unknown[]) => unknown = () => ({ data: null });

const SUBGRAPHS: FixtureSubgraph[] = [
  {
    name: 'shelf',
    sdl: `${LINK}
      type Query { items(count: Int): [Item]  thing: Thing }
      type Item @key(fields: "id") { id: ID! }
      interface Thing { id: ID! }
      type Box implements Thing { id: ID! }`,
    resolvers: {
      Query: { items: (_: unknown, { count }: { count?: number }) => Array.from({ length: count ?? 2 }, (_, i) => ({ id: String(i + 1) })), thing: () => ({ __typename: 'Box', id: 'b' }) },
      Thing: { __resolveType: () => 'Box' },
    },
  },
  {
    name: 'hostile',
    sdl: `${LINK}
      scalar JSON
      type Item @key(fields: "id") { id: ID!  detail(lang: String): String  blob: JSON  code: ID }`,
    resolvers: {},
    respond: ({ variables }) => hostileAnswer((variables?.representations as unknown[]) ?? []),
  },
];

/** Below the default (64 MiB), above what the other hostile answers here send: the bound is the same code whatever its size. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

let tmp: string;
let products: RunningFixture;
let gateway: RunningGateway;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-hostile-answers-'));
  products = await serveSignedSubgraphs(SUBGRAPHS);
  const file = join(tmp, 'supergraph.graphql');
  composeSupergraph(
    SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: products.urls[s.name]! })),
    file,
  );
  gateway = await startGateway(
    resolveGatewayConfig({
      port: 0,
      supergraph: { file },
      access: { allowUnclassifiedFields: true },
      usage: { enabled: false },
      transport: { retry: { retries: 0 }, dedupe: false, maxResponseBytes: MAX_RESPONSE_BYTES },
    }),
  );
});
afterAll(async () => {
  await gateway?.close();
  await products?.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  hostileAnswer = () => ({ data: null });
});

const ask = (query: string, variables?: Record<string, unknown>) => postGraphQL(gateway.url, { query, variables });
const codes = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => [e.extensions?.code, e.extensions?.product ?? null]);
/** A fetch that failed whole is told at each field it would have filled: here, the field of both items. */
const failedAt = (field: string) => [
  ['PRODUCT_ERROR', 'hostile', ['items', 0, field]],
  ['PRODUCT_ERROR', 'hostile', ['items', 1, field]],
];
const placed = (body: { errors?: { path?: unknown; extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => [e.extensions?.code, e.extensions?.product ?? null, e.path ?? null]);
/** An answer that cannot be placed is an error on each entity it was asked for, where the client finds the nulls. */
const onEachItem = (body: { errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => [e.extensions?.code, e.extensions?.product ?? null, e.path]);
const PLACED_ON_EACH_ITEM = [
  ['PRODUCT_ERROR', 'hostile', ['items', 0]],
  ['PRODUCT_ERROR', 'hostile', ['items', 1]],
];

describe('a product answering _entities with', () => {
  it('fewer entities than it was sent: PRODUCT_ERROR naming it, and the rest of the answer kept', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.slice(1).map(() => ({ detail: 'x' })) } });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: null },
      ],
    });
    expect(onEachItem(body)).toEqual(PLACED_ON_EACH_ITEM);
  });

  it('something that is not a list: PRODUCT_ERROR naming it', async () => {
    hostileAnswer = () => ({ data: { _entities: { detail: 'x' } } });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: null },
      ],
    });
    expect(onEachItem(body)).toEqual(PLACED_ON_EACH_ITEM);
  });

  it.each([
    ['a __proto__ key', '"__proto__":{"polluted":true}'],
    ['a constructor key carrying a prototype', '"constructor":{"prototype":{"polluted":true}}'],
  ])('%s: merged as plain data, never as a prototype, and no object is polluted', async (_what, hostile) => {
    hostileAnswer = (representations) => JSON.parse(`{"data":{"_entities":[${representations.map(() => `{"detail":"ok",${hostile}}`).join(',')}]}}`);
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: 'ok' },
        { id: '2', detail: 'ok' },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a value of the wrong type: PRODUCT_ERROR at its path, and null there', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map((_, i) => ({ detail: i === 0 ? { nested: 'object' } : 'fine' })) } });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: 'fine' },
      ],
    });
    expect(body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['PRODUCT_ERROR', ['items', 0, 'detail']]]);
  });

  it('a type name the API schema does not have: PRODUCT_ERROR, null, and the name is never echoed', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({ __typename: 'InternalStagingRow', detail: 'x' })) } });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({ items: [null, null] });
    expect(codes(body)).toEqual([
      ['PRODUCT_ERROR', null],
      ['PRODUCT_ERROR', null],
    ]);
    expect(JSON.stringify(body)).not.toContain('InternalStagingRow');
  });
});

describe('a product answering _entities with things that are not entities', () => {
  it.each([
    ['a number', 7],
    ['a string', 'detail'],
    ['a list', [{ detail: 'x' }]],
    ['true', true],
  ])('%s in place of an entity: PRODUCT_ERROR naming it, as for a list of the wrong length', async (_what, hostile) => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map((_, i) => (i === 0 ? hostile : { detail: 'fine' })) } });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: null },
      ],
    });
    expect(onEachItem(body)).toEqual(PLACED_ON_EACH_ITEM);
  });

  it.each([
    ['a number', 7],
    ['a string', 'items'],
    ['a list', [{ _entities: [] }]],
  ])('%s as its whole data: PRODUCT_ERROR naming it, nothing merged', async (_what, hostile) => {
    hostileAnswer = () => ({ data: hostile });
    const { body } = await ask('{ items { id detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: null },
      ],
    });
    expect(placed(body)).toEqual(failedAt('detail'));
  });

  it('the name of another type of the API, not one this field can hold: PRODUCT_ERROR and null', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({ __typename: 'Box', detail: 'x' })) } });
    const { body } = await ask('{ items { id detail __typename } }');
    expect(body.data).toEqual({ items: [null, null] });
    expect(body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['PRODUCT_ERROR', ['items', 0]],
      ['PRODUCT_ERROR', ['items', 1]],
    ]);
  });
});

describe("a product sending a type name under the client's alias of __typename", () => {
  it('the alias answers the type the object was completed as, never the name the product put there', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({ detail: 'x', kind: 'Box' })) } });
    const { body } = await ask('{ items { id kind: __typename detail } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', kind: 'Item', detail: 'x' },
        { id: '2', kind: 'Item', detail: 'x' },
      ],
    });
    expect(body.errors).toBeUndefined();
  });
});

describe('a product whose errors are not GraphQL errors', () => {
  it.each([
    ['errors that are not a list', (representations: unknown[]) => ({ data: { _entities: representations.map(() => ({ detail: 'x' })) }, errors: 'boom' })],
    ['an error whose path is not a list', (representations: unknown[]) => ({ data: { _entities: representations.map(() => ({ detail: 'x' })) }, errors: [{ message: 'x', path: 5 }] })],
    [
      'an error whose message is not text',
      (representations: unknown[]) => ({ data: { _entities: representations.map(() => ({ detail: 'x' })) }, errors: [{ message: { leaked: 'secret' }, path: ['_entities', 0, 'detail'] }] }),
    ],
    ['an error that is not an object', (representations: unknown[]) => ({ data: { _entities: representations.map(() => ({ detail: 'x' })) }, errors: [7] })],
  ])('%s: PRODUCT_ERROR naming it, nothing of it echoed, the gateway still answers', async (_what, hostile) => {
    hostileAnswer = hostile;
    const { status, body } = await ask('{ items { id detail } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({
      items: [
        { id: '1', detail: null },
        { id: '2', detail: null },
      ],
    });
    expect(placed(body)).toEqual(failedAt('detail'));
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});

describe('a product that leaves out a field whose alias names an Object.prototype member', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('%s: null with its error, as for any field left out, never the inherited member', async (alias) => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({})) } });
    const { body } = await ask(`{ items { id ${alias}: detail } }`);
    expect(body.data).toEqual({
      items: [
        { id: '1', [alias]: null },
        { id: '2', [alias]: null },
      ].map((item) => JSON.parse(JSON.stringify(item))),
    });
    expect(JSON.parse(JSON.stringify(body.data.items[0]))).toHaveProperty([alias], null);
    // A field the product left out is a null no product answered: the gateway says so at its path.
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.product ?? null, e.path])).toEqual([
      ['PRODUCT_ERROR', null, ['items', 0, alias]],
      ['PRODUCT_ERROR', null, ['items', 1, alias]],
    ]);
  });
});

describe('a product answering a custom scalar with a value nested past what can be written', () => {
  it('PRODUCT_ERROR at its path and null there, the rest of the answer written, the gateway still up', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    hostileAnswer = (representations) => new RawAnswer(`{"data":{"_entities":[${representations.map((_, i) => (i === 0 ? `{"blob":${deep}}` : '{"blob":{"fine":true}}')).join(',')}]}}`);
    const { status, body } = await ask('{ items { id blob } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({
      items: [
        { id: '1', blob: null },
        { id: '2', blob: { fine: true } },
      ],
    });
    expect(body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['PRODUCT_ERROR', ['items', 0, 'blob']]]);
    expect((await ask('{ items { id } }')).body.data).toEqual({ items: [{ id: '1' }, { id: '2' }] });
  });
});

describe('a product answering every one of many entities with an error', () => {
  it("each error is placed on its entity (20 000 of them: the entities' paths are found once per answer, not once per error)", async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => null) }, errors: representations.map((_, i) => ({ message: 'no', path: ['_entities', i, 'detail'] })) });
    const count = 20_000;
    const { body } = await ask(`{ items(count: ${count}) { id detail } }`);
    expect(body.data.items).toHaveLength(count);
    expect(body.errors).toHaveLength(count);
    expect(body.errors?.[count - 1]?.path).toEqual(['items', count - 1, 'detail']);
    expect(new Set(body.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['PRODUCT_ERROR']));
  });
});

describe('a product sending an ID as a number', () => {
  it('the client gets it as text, as an ID is serialized (Apollo Gateway passes the number on)', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map((_, i) => ({ code: i === 0 ? 7 : 'c2' })) } });
    const { body } = await ask('{ items { id code } }');
    expect(body.data).toEqual({
      items: [
        { id: '1', code: '7' },
        { id: '2', code: 'c2' },
      ],
    });
    expect(body.errors).toBeUndefined();
  });
});

describe('a client variable named like the protocol', () => {
  it('$representations passed to an entity fetch: BAD_USER_INPUT, and the product is never sent it', async () => {
    let asked = 0;
    hostileAnswer = (representations) => {
      asked++;
      return { data: { _entities: representations.map(() => ({ detail: 'x' })) } };
    };
    const { body } = await ask('query($representations: String) { items { id detail(lang: $representations) } }', { representations: 'en' });
    expect(codes(body)).toEqual([['BAD_USER_INPUT', null]]);
    expect(asked).toBe(0);
  });
});

describe('a product answering more than transport.maxResponseBytes', () => {
  it('is cut off: PRODUCT_ERROR naming it, the rest of the answer kept, and the gateway answers the next request', async () => {
    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({ blob: 'x'.repeat(MAX_RESPONSE_BYTES) })) } });
    const { status, body } = await ask('{ items { id blob } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({
      items: [
        { id: '1', blob: null },
        { id: '2', blob: null },
      ],
    });
    expect(placed(body)).toEqual(failedAt('blob'));
    expect(JSON.stringify(body)).not.toContain('xxxx');

    hostileAnswer = (representations) => ({ data: { _entities: representations.map(() => ({ blob: 'small' })) } });
    const next = (await ask('{ items { id blob } }')).body;
    expect(next.data).toEqual({
      items: [
        { id: '1', blob: 'small' },
        { id: '2', blob: 'small' },
      ],
    });
    expect(next.errors).toBeUndefined();
  });
});
