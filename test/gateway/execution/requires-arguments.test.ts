import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApolloGateway } from '@apollo/gateway';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeSupergraph } from '../../../bench/lib/compose-supergraph.ts';
import { resolveGatewayConfig, type GatewayConfigInput } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import { CROSS_PRODUCT_REQUIRES_SUBGRAPHS, REQUIRES_ARGUMENT_SUBGRAPHS } from '../../fixtures/executor/requires-arguments-subgraphs.ts';
import { serveSignedSubgraphs, type RunningFixture } from '../../fixtures/executor/subgraphs.ts';
import { postGraphQL, type GraphQLHttpResult } from '../../support/mesh-harness.ts';
import { loggerToLines } from '../../support/log-lines.ts';
import { postForParts } from '../../support/multipart-parts.ts';

/**
 * Issue 25: a `@requires` with arguments never replaces the caller's arguments of the same
 * field, nor another `@requires`' arguments. Through the real gateway and signed products of
 * their own (requires-arguments-subgraphs.ts), whose computed values say what they were
 * computed from. Each answer is the one the GraphQL and federation specs give; Apollo
 * Gateway's own executor, over the same products, is shown answering the main case wrong.
 */
let dir: string;
let products: RunningFixture;
let meshgate: RunningGateway;
let apollo: RunningGateway;
let crossProducts: RunningFixture;
let cross: RunningGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-requires-arguments-'));
  products = await serveSignedSubgraphs(REQUIRES_ARGUMENT_SUBGRAPHS);
  const file = join(dir, 'supergraph.graphql');
  composeSupergraph(
    REQUIRES_ARGUMENT_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: products.urls[s.name]! })),
    file,
  );
  // Not data products: nothing classifies their fields.
  const config: GatewayConfigInput = { port: 0, supergraph: { file }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, catalog: { enabled: false } };
  meshgate = await startGateway(resolveGatewayConfig(config));
  apollo = await startGateway(resolveGatewayConfig(config), { executor: (gateway: ApolloGateway) => gateway });
  crossProducts = await serveSignedSubgraphs(CROSS_PRODUCT_REQUIRES_SUBGRAPHS);
  const crossFile = join(dir, 'cross.graphql');
  composeSupergraph(
    CROSS_PRODUCT_REQUIRES_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: crossProducts.urls[s.name]! })),
    crossFile,
  );
  cross = await startGateway(resolveGatewayConfig({ ...config, supergraph: { file: crossFile } }));
});
afterAll(async () => {
  await meshgate?.close();
  await apollo?.close();
  await cross?.close();
  await products?.close();
  await crossProducts?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ask = (query: string, variables?: Record<string, unknown>, gateway = meshgate): Promise<GraphQLHttpResult> => postGraphQL(gateway.url, { query, variables });
const errorsOf = (answer: GraphQLHttpResult) => (answer.body.errors ?? []).map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code, product: e.extensions?.product }));
/** r3's rating is withheld by catalog (its message masked): the error every answer that fetches it carries, at the path of the field the caller (or the requiring product) selected. */
const withheld = (path: (string | number)[]) => ({ message: 'Data product "catalog" failed to resolve this part of the query.', path, code: 'PRODUCT_ERROR', product: 'catalog' });

describe('a @requires with arguments beside the caller\u2019s selection of the same field', () => {
  const MAIN = '{ products { id averageRating reviews(first: 1) { id } } }';

  it('answers the caller its own arguments and computes the field from the required ones', async () => {
    const answer = await ask(MAIN);
    expect(answer.body.data).toEqual({
      products: [
        { id: 'p1', averageRating: '4.5 of 3', reviews: [{ id: 'r1' }] },
        { id: 'p2', averageRating: '3 of 2', reviews: [{ id: 'r7' }] },
      ],
    });
    // The third review's rating was fetched for averageRating only: its error names the field, never a private alias.
    expect(errorsOf(answer)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating'])]);
  });

  it('is answered wrong by Apollo Gateway\u2019s own executor over the same plan: three reviews, no error saying so', async () => {
    const answer = await ask(MAIN, undefined, apollo);
    expect(answer.body.data.products[0].reviews).toEqual([{ id: 'r1' }, { id: 'r2' }, { id: 'r3' }]);
    expect(answer.body.data.products[0].averageRating).toBe('4.5 of 3');
  });

  it('keeps an aliased selection and an unaliased one of other arguments apart from the required one', async () => {
    const answer = await ask('{ products { averageRating top: reviews(first: 1) { id } reviews(first: 2) { id rating } } }');
    expect(answer.body.data).toEqual({
      products: [
        {
          averageRating: '4.5 of 3',
          top: [{ id: 'r1' }],
          reviews: [
            { id: 'r1', rating: 5 },
            { id: 'r2', rating: 4 },
          ],
        },
        {
          averageRating: '3 of 2',
          top: [{ id: 'r7' }],
          reviews: [
            { id: 'r7', rating: 2 },
            { id: 'r8', rating: 4 },
          ],
        },
      ],
    });
    expect(errorsOf(answer)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating'])]);
  });

  it('passes the caller\u2019s variables, with their defaults, to the caller\u2019s selection only', async () => {
    const query = 'query Reviews($n: Int! = 2) { products { averageRating reviews(first: $n) { id } } }';
    for (const [variables, ids] of [
      [{ n: 1 }, [['r1'], ['r7']]],
      [
        {},
        [
          ['r1', 'r2'],
          ['r7', 'r8'],
        ],
      ],
      [
        { n: 4 },
        [
          ['r1', 'r2', 'r3', 'r4'],
          ['r7', 'r8'],
        ],
      ],
    ] as const) {
      const answer = await ask(query, variables);
      expect(answer.body.data.products.map((p: { reviews: { id: string }[] }) => p.reviews.map((r) => r.id))).toEqual(ids);
      expect(answer.body.data.products.map((p: { averageRating: string }) => p.averageRating)).toEqual(['4.5 of 3', '3 of 2']);
    }
  });

  it('keeps nested arguments apart: the caller\u2019s posts(last: 1) beside a required posts(last: 2) two levels down', async () => {
    const answer = await ask('{ products { authorPostCount reviews(first: 3) { author { id posts(last: 1) { id } } } } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      products: [
        {
          // a1 has four posts, a2 one: 2 + 1 + 2.
          authorPostCount: 5,
          reviews: [{ author: { id: 'a1', posts: [{ id: 'a1-4' }] } }, { author: { id: 'a2', posts: [{ id: 'a2-1' }] } }, { author: { id: 'a1', posts: [{ id: 'a1-4' }] } }],
        },
        {
          authorPostCount: 3,
          reviews: [{ author: { id: 'a2', posts: [{ id: 'a2-1' }] } }, { author: { id: 'a1', posts: [{ id: 'a1-4' }] } }],
        },
      ],
    });
  });

  it('answers a caller who gives the required field\u2019s name to another field', async () => {
    const answer = await ask('{ products { averageRating reviews: name } }');
    expect(answer.body.data).toEqual({
      products: [
        { averageRating: '4.5 of 3', reviews: 'Lamp' },
        { averageRating: '3 of 2', reviews: 'Pen' },
      ],
    });
    expect(errorsOf(answer)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating'])]);
  });

  it('fetches what a requires needs whatever the caller skips of the same field', async () => {
    const query = 'query ($skip: Boolean!) { products { averageRating reviews(first: 1) @skip(if: $skip) { id } } }';
    const skipped = await ask(query, { skip: true });
    expect(skipped.body.data).toEqual({ products: [{ averageRating: '4.5 of 3' }, { averageRating: '3 of 2' }] });
    expect(errorsOf(skipped)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating'])]);
    const kept = await ask(query, { skip: false });
    expect(kept.body.data).toEqual({
      products: [
        { averageRating: '4.5 of 3', reviews: [{ id: 'r1' }] },
        { averageRating: '3 of 2', reviews: [{ id: 'r7' }] },
      ],
    });
  });

  it('leaves a caller who selects the required arguments themselves one fetch of them', async () => {
    const answer = await ask('{ products { averageRating reviews(first: 3) { id } } }');
    expect(answer.body.data.products.map((p: { reviews: unknown[] }) => p.reviews.length)).toEqual([3, 2]);
    expect(answer.body.data.products.map((p: { averageRating: string }) => p.averageRating)).toEqual(['4.5 of 3', '3 of 2']);
  });
});

describe('two @requires of one field with different arguments', () => {
  it('computes each from its own arguments, in one query', async () => {
    const answer = await ask('{ products { averageRating ratingCount } }');
    expect(answer.body.data).toEqual({
      products: [
        { averageRating: '4.5 of 3', ratingCount: 5 },
        { averageRating: '3 of 2', ratingCount: 2 },
      ],
    });
    // r3 is among both argument sets' reviews, fetched once for each.
    expect(errorsOf(answer)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating']), withheld(['products', 0, 'reviews', 2, 'rating'])]);
  });

  it('computes each from its own arguments beside the caller\u2019s own, on a field with a default argument', async () => {
    const answer = await ask('{ products { id shipping postage weight kg: weight(unit: "kg") } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      products: [
        { id: 'p1', shipping: 'heavy (2 kg)', postage: 24, weight: 2400, kg: 2 },
        { id: 'p2', shipping: 'light (0 kg)', postage: 1, weight: 40, kg: 0 },
      ],
    });
  });
});

describe('every @requires of one type at once', () => {
  it('computes four fields, from two fields required with two argument sets each, none of them selected by the caller', async () => {
    const answer = await ask('{ products { averageRating ratingCount shipping postage label } }');
    expect(answer.body.data).toEqual({
      products: [
        { averageRating: '4.5 of 3', ratingCount: 5, shipping: 'heavy (2 kg)', postage: 24, label: 'label of Lamp' },
        { averageRating: '3 of 2', ratingCount: 2, shipping: 'light (0 kg)', postage: 1, label: 'label of Pen' },
      ],
    });
    expect(errorsOf(answer)).toEqual([withheld(['products', 0, 'reviews', 2, 'rating']), withheld(['products', 0, 'reviews', 2, 'rating'])]);
  });
});

describe('neighbours', () => {
  it('@provides and @requires of one field: a provided name where the product provides it, the owner\u2019s elsewhere', async () => {
    const answer = await ask('{ topProducts { name label } products { name label } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      topProducts: [
        { name: 'Lamp (top)', label: 'label of Lamp (top)' },
        { name: 'Pen (top)', label: 'label of Pen (top)' },
      ],
      products: [
        { name: 'Lamp', label: 'label of Lamp' },
        { name: 'Pen', label: 'label of Pen' },
      ],
    });
  });

  it('@provides beside a @requires with arguments the caller selects otherwise', async () => {
    const answer = await ask('{ topProducts { name averageRating reviews(first: 1) { rating } } }');
    expect(answer.body.data).toEqual({
      topProducts: [
        { name: 'Lamp (top)', averageRating: '4.5 of 3', reviews: [{ rating: 5 }] },
        { name: 'Pen (top)', averageRating: '3 of 2', reviews: [{ rating: 2 }] },
      ],
    });
    expect(errorsOf(answer)).toEqual([withheld(['topProducts', 0, 'reviews', 2, 'rating'])]);
  });

  it('@defer around the computed field: the first part has the caller\u2019s reviews, the deferred one the field computed from three', async () => {
    const reader = await postForParts(meshgate.url, { query: '{ products { id reviews(first: 1) { id } ... @defer(label: "score") { averageRating } } }' });
    const parts = [await reader.next(), ...(await reader.rest())];
    expect(parts[0]).toMatchObject({
      hasNext: true,
      data: {
        products: [
          { id: 'p1', reviews: [{ id: 'r1' }] },
          { id: 'p2', reviews: [{ id: 'r7' }] },
        ],
      },
    });
    expect(parts[0].errors).toBeUndefined();
    const incremental = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(incremental.map((i: { path: unknown[]; data: unknown; label: string }) => [i.label, i.path, i.data]).sort()).toEqual([
      ['score', ['products', 0], { averageRating: '4.5 of 3' }],
      ['score', ['products', 1], { averageRating: '3 of 2' }],
    ]);
    expect(parts.at(-1).hasNext).toBe(false);
  });
});

describe('what the correction cannot keep apart', () => {
  it('refuses, before any fetch, a caller\u2019s other arguments beside a requires whose sub-selection another product answers', async () => {
    const refused = await ask('{ products { byline reviews(first: 1) { id } } }', undefined, cross);
    expect(refused.body.data ?? null).toBeNull();
    expect(errorsOf(refused)).toEqual([
      {
        message: 'This gateway does not execute Product.reviews required with other arguments than another selection of it, where what is required of it comes from more than one product',
        path: undefined,
        code: 'PLAN_NODE_UNSUPPORTED',
        product: undefined,
      },
    ]);
  });

  it('serves the same requires where nothing else selects the field, and the caller\u2019s own arguments where they are the required ones', async () => {
    const alone = await ask('{ products { id byline } }', undefined, cross);
    expect(alone.body.errors).toBeUndefined();
    expect(alone.body.data).toEqual({
      products: [
        { id: 'p1', byline: 'name of a1, name of a2' },
        { id: 'p2', byline: 'name of a2, name of a1' },
      ],
    });
    const same = await ask('{ products { byline reviews(first: 2) { id } } }', undefined, cross);
    expect(same.body.errors).toBeUndefined();
    expect(same.body.data.products[0]).toEqual({ byline: 'name of a1, name of a2', reviews: [{ id: 'r1' }, { id: 'r2' }] });
  });
});

describe('the plan warmer', () => {
  it('re-plans an operation after a reload with its @requires arguments kept apart, and that plan answers it', async () => {
    const file = join(dir, 'watched.graphql');
    composeSupergraph(
      REQUIRES_ARGUMENT_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: products.urls[s.name]! })),
      file,
    );
    const log = loggerToLines();
    const config: GatewayConfigInput = { port: 0, supergraph: { file, watch: true }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, catalog: { enabled: false } };
    const watched = await startGateway(resolveGatewayConfig(config), { logger: log.logger });
    try {
      const query = '{ products { averageRating reviews(first: 1) { id } } }';
      const expected = {
        products: [
          { averageRating: '4.5 of 3', reviews: [{ id: 'r1' }] },
          { averageRating: '3 of 2', reviews: [{ id: 'r7' }] },
        ],
      };
      expect((await ask(query, undefined, watched)).body.data).toEqual(expected);
      // The same supergraph in other bytes: a reload, after which the warmer re-plans what ran before it.
      appendFileSync(file, '\n# reloaded\n');
      await vi.waitFor(() => expect(log.records<{ msg?: string; warmed?: number }>().find((line) => line.msg === 'query plans re-planned for the new supergraph')?.warmed).toBe(1), {
        timeout: 60_000,
        interval: 50,
      });
      expect((await ask(query, undefined, watched)).body.data).toEqual(expected);
    } finally {
      await watched.close();
    }
  });
});
