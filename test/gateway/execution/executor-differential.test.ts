import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operationFromDocument } from '@apollo/federation-internals';
import type { ApolloGateway } from '@apollo/gateway';
import { buildClientSchema, getIntrospectionQuery, parse, type DocumentNode, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../../bench/lib/compose-supergraph.ts';
import { FEDERATION_QUERY } from '../../../bench/federation/query.ts';
import { FEDERATION_SUBGRAPHS } from '../../../bench/federation/subgraphs.ts';
import { DASHBOARD_QUERIES } from '../../../bench/mesh/dashboard-queries.ts';
import { resolveGatewayConfig, type GatewayConfigInput } from '../../../gateway/config.ts';
import { startGateway } from '../../../gateway/create-gateway.ts';
import { planningOf } from '../../../gateway/execution/gateway-internals.ts';
import { withRequiresArgumentsApart } from '../../../gateway/execution/requires-argument-aliases.ts';
import { closeProducts, postGraphQL, startGatewayFor, startProducts, type GraphQLHttpResult } from '../../support/mesh-harness.ts';
import { EDGE_CASE_SUBGRAPHS } from '../../../bench/planner/edge-cases.ts';
import { generateOperations, type GeneratorOptions } from '../../fixtures/executor/operation-generator.ts';
import { BENCH_OPERATIONS, DEMO_OPERATIONS, EDGE_CASE_OPERATIONS, FIXTURE_OPERATIONS, type HarnessOperation, type SpecAnswer } from '../../fixtures/executor/operations.ts';
import { FIXTURE_SUBGRAPHS, serveSignedSubgraphs, type FixtureSubgraph } from '../../fixtures/executor/subgraphs.ts';
import { silentNulls } from '../../support/silent-nulls.ts';

/**
 * The differential harness: the same operations, over the same running products, through two
 * real gateways that differ only in who executes the query plans (Apollo Gateway's own
 * executor, and ours, which the product always runs), and a third column: the answer the
 * spec wants, written down beside each hand-written fixture operation (`spec` in
 * operations.ts). Apollo Gateway is no oracle where its planner or executor is wrong.
 *
 * - meshgate against the spec: data and errors (code and path) exactly equal, for every
 *   operation with a written answer that is not `pending`; a pending one must still differ,
 *   so the harness says when to delete its `pending` line.
 * - meshgate against Apollo Gateway: data and errors (message, path, code, product) the
 *   same, but for the deliberate differences below, for every operation, generated ones
 *   (which have no written answer) included. Where meshgate equals the spec, these are
 *   exactly Apollo's departures from the spec, each with its reason.
 * - No silent null: no answer of meshgate's, anywhere in the harness, holds a null that no
 *   error explains and that the products' data does not hold (`silentNulls`). Apollo's are
 *   counted; they are the first two deliberate differences.
 * Every other difference is reported, all of them, and fails the test.
 */

/**
 * Where our executor answers differently on purpose, and why. A rule lets through errors only
 * one side gives (`meshgateOnly`, `apolloOnly`), given the other side's errors.
 */
const DELIBERATE_DIFFERENCES: readonly {
  rule: string;
  why: string;
  meshgateOnly?: (error: ComparedError, apollo: readonly ComparedError[]) => boolean;
  apolloOnly?: (error: ComparedError, meshgate: readonly ComparedError[]) => boolean;
  /** Lets through data that differs, given both answers' data and Apollo's errors. */
  data?: (apollo: unknown, meshgate: unknown, apolloErrors: readonly ComparedError[]) => boolean;
}[] = [
  {
    rule: 'meshgate adds NULL_IN_NON_NULL_FIELD for a null in a non-null position no other error explains',
    why: 'the GraphQL spec: a null that propagates to the nearest nullable parent carries its error with its path; Apollo Gateway drops it when any fetch failed, and otherwise hides it in extensions.valueCompletion',
    meshgateOnly: (error) => error.code === 'NULL_IN_NON_NULL_FIELD',
  },
  {
    rule: 'meshgate adds PRODUCT_ERROR (with no product) for a value a product sent that does not fit its type, or an @interfaceObject object no product named the concrete type of',
    why: 'the same: Apollo Gateway reports the first only in extensions.valueCompletion, which is no error to a client, and nulls the second silently',
    meshgateOnly: (error) => error.code === 'PRODUCT_ERROR' && error.product === null && error.path !== null,
  },
  {
    rule: "where meshgate corrects Apollo's plan (a `@requires` argument kept apart from the caller's), its answer is not compared with Apollo's at all (see correctedPlans)",
    why: "issue 25: Apollo's planner merges the two selections and answers the caller the `@requires` arguments' items, silently; meshgate's answer is held to the written spec (hand-written operations) and to no silent null (every operation) instead",
  },
  {
    rule: 'an `_entities` answer that cannot be placed is PRODUCT_ERROR tagged with its product (at each field the fetch would have filled), not INTERNAL_SERVER_ERROR',
    why: 'the product broke the protocol, not the gateway: the client is told which product failed, as for any other invalid answer',
    meshgateOnly: (error, apollo) => error.code === 'PRODUCT_ERROR' && error.product !== null && apollo.some((e) => e.code === 'INTERNAL_SERVER_ERROR' && e.path === null),
    apolloOnly: (error, meshgate) => error.code === 'INTERNAL_SERVER_ERROR' && error.path === null && meshgate.some((e) => e.code === 'PRODUCT_ERROR' && e.product !== null),
  },
  {
    rule: "an entity fetch's error is placed at the entity the client asked for, where Apollo Gateway places it at the entity's index among the fetch's representations",
    why: 'the error must stand at the field it nulls: Apollo Gateway counts the entities of the fetch, not the objects of the list, and names another element (search.1.title for search.3.title)',
    meshgateOnly: (error, apollo) => apollo.some((e) => movedInAList(e, error)),
    apolloOnly: (error, meshgate) => meshgate.some((e) => movedInAList(error, e)),
  },
  {
    rule: 'a fetch that failed whole gives its error at each field it would have filled, where Apollo Gateway gives it once with no path',
    why: 'the spec: every null a failure causes carries its error with its path, so a client can tell the fields that failed from the fields that are null by their data',
    meshgateOnly: (error, apollo) => error.path !== null && error.product !== null && apollo.some((e) => e.path === null && sameFailure(e, error)),
    apolloOnly: (error, meshgate) => error.path === null && error.product !== null && meshgate.some((e) => e.path !== null && sameFailure(e, error)),
  },
  {
    rule: 'meshgate answers a field that Apollo Gateway answers null with no error, where a @requires input of another field was left out by @skip/@include',
    why: 'neither executor sent the entity to its product (a representation lacking an input is dropped), so the fields the same fetch gives unconditionally were silent nulls; meshgate sends it without the skipped input (gateway/execution/skipped-inputs.ts)',
    data: (apollo, meshgate, apolloErrors) => fillsSilentNulls(apollo, meshgate, apolloErrors, []),
  },
];

/** Whether the two data trees differ only where Apollo's holds a null no error of its explains and meshgate's a value. */
function fillsSilentNulls(apollo: unknown, meshgate: unknown, apolloErrors: readonly ComparedError[], path: (string | number)[]): boolean {
  if (JSON.stringify(apollo) === JSON.stringify(meshgate)) return true;
  if (apollo === null) return meshgate !== null && !apolloErrors.some((e) => e.path && path.every((step, i) => e.path![i] === step));
  if (Array.isArray(apollo)) return Array.isArray(meshgate) && apollo.length === meshgate.length && apollo.every((item, i) => fillsSilentNulls(item, meshgate[i], apolloErrors, [...path, i]));
  if (typeof apollo !== 'object' || typeof meshgate !== 'object' || meshgate === null || Array.isArray(meshgate)) return false;
  const [a, m] = [apollo as Record<string, unknown>, meshgate as Record<string, unknown>];
  const keys = Object.keys(a);
  return JSON.stringify(keys) === JSON.stringify(Object.keys(m)) && keys.every((key) => fillsSilentNulls(a[key], m[key], apolloErrors, [...path, key]));
}

/** The same error, placed by the two executors at the same field of another list element. */
function movedInAList(apollo: ComparedError, meshgate: ComparedError): boolean {
  const [a, m] = [apollo.path, meshgate.path];
  if (!a || !m || a.length !== m.length || !sameFailure(apollo, meshgate)) return false;
  return a.every((step, i) => step === m[i] || (typeof step === 'number' && typeof m[i] === 'number'));
}

const sameFailure = (a: ComparedError, b: ComparedError) => a.message === b.message && a.code === b.code && a.product === b.product;

interface ComparedError {
  message: string;
  path: (string | number)[] | null;
  code: string | null;
  product: string | null;
}

type Send = (operation: HarnessOperation) => Promise<GraphQLHttpResult>;

interface CorpusMesh {
  apollo: Send;
  meshgate: Send;
  corrected: (operation: HarnessOperation) => boolean;
  close(): Promise<void>;
}

interface CorpusEntry {
  name: string;
  start(): Promise<CorpusMesh>;
  operations: readonly HarnessOperation[];
  /**
   * Coordinates (`Type.field`, list items included) whose value a product answers null by its
   * data, for the operations and generator values of this entry: every other null needs an error.
   */
  nullable: readonly string[];
  /** Coordinates meshgate still answers null for silently in some operation, each with its pending reason: delete the line once fixed. */
  silentWhile?: Readonly<Record<string, string>>;
  generated: Omit<GeneratorOptions, 'seed'> & { seed: string };
  /** What our executor must answer beyond agreeing with Apollo's (the spec fixes), over the same mesh. */
  check?: (mesh: CorpusMesh) => Promise<void>;
}

const compared = (body: GraphQLHttpResult['body']) => ({
  data: body.data ?? null,
  errors: (body.errors ?? []).map((e): ComparedError => ({ message: e.message, path: e.path ?? null, code: e.extensions?.code ?? null, product: e.extensions?.product ?? null })),
});

/** An error as the spec column writes it: its code and where. */
const specError = (e: ComparedError) => `${e.code ?? 'NO_CODE'}${e.path ? ` at ${e.path.join('.')}` : ', no path'}`;

/** Every difference between an answer and the spec's, in words. */
function specDifferences(answer: GraphQLHttpResult, spec: SpecAnswer): string[] {
  const found: string[] = [];
  const got = compared(answer.body);
  if (JSON.stringify(got.data) !== JSON.stringify(spec.data)) found.push(`data:\n      spec ${JSON.stringify(spec.data)}\n      got  ${JSON.stringify(got.data)}`);
  const wanted = [...(spec.errors ?? [])];
  for (const error of got.errors.map(specError)) {
    const at = wanted.indexOf(error);
    if (at >= 0) wanted.splice(at, 1);
    else found.push(`error the spec does not want: ${error}`);
  }
  for (const error of wanted) found.push(`error the spec wants, missing: ${error}`);
  return found;
}

/** Every difference between the two answers that no deliberate difference covers, in words. */
function differences(apollo: GraphQLHttpResult, meshgate: GraphQLHttpResult, deliberate: { count: number }): string[] {
  const found: string[] = [];
  if (apollo.status !== meshgate.status) found.push(`HTTP status: apollo ${apollo.status}, meshgate ${meshgate.status}`);
  const a = compared(apollo.body);
  const m = compared(meshgate.body);
  // Data is compared as text: key order is part of a GraphQL response.
  if (JSON.stringify(a.data) !== JSON.stringify(m.data)) {
    if (DELIBERATE_DIFFERENCES.some((d) => d.data?.(a.data, m.data, a.errors))) deliberate.count++;
    else found.push(`data:\n      apollo   ${JSON.stringify(a.data)}\n      meshgate ${JSON.stringify(m.data)}`);
  }
  // Errors as a multiset: products answer parallel fetches in any order.
  const key = (e: ComparedError) => JSON.stringify(e);
  const left = a.errors.map(key);
  for (const error of m.errors) {
    const at = left.indexOf(key(error));
    if (at >= 0) left.splice(at, 1);
    else if (DELIBERATE_DIFFERENCES.some((d) => d.meshgateOnly?.(error, a.errors))) deliberate.count++;
    else found.push(`error only meshgate gives: ${key(error)}`);
  }
  for (const error of left) {
    if (DELIBERATE_DIFFERENCES.some((d) => d.apolloOnly?.(JSON.parse(error) as ComparedError, m.errors))) deliberate.count++;
    else found.push(`error only apollo gives: ${error}`);
  }
  return found;
}

async function introspect(send: Send): Promise<GraphQLSchema> {
  const result = await send({ name: 'introspection', query: getIntrospectionQuery() });
  return buildClientSchema(result.body.data as IntrospectionQuery);
}

const tmp = mkdtempSync(join(tmpdir(), 'meshgate-differential-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The oracle: Apollo Gateway executing its own plans. The gateway is otherwise ours, whole.
 * `onGateway` keeps the Apollo Gateway, whose planner tells which plans meshgate corrects.
 */
const apolloExecutes = (onGateway: (gateway: ApolloGateway) => void) => ({
  executor: (gateway: ApolloGateway) => {
    onGateway(gateway);
    return gateway;
  },
});

/**
 * Whether meshgate corrects Apollo's plan for this operation (a `@requires` argument kept apart
 * from the caller's, requires-argument-aliases.ts): Apollo's executor runs the uncorrected plan,
 * so the two answers may differ anywhere; meshgate's is held to the spec and to no silent null.
 */
function correctedPlans(gateway: () => ApolloGateway | undefined): (operation: HarnessOperation) => boolean {
  return (operation) => {
    const planning = planningOf(gateway()!)!;
    let document: DocumentNode;
    try {
      document = parse(operation.query);
      const plan = planning.queryPlanner.buildQueryPlan(operationFromDocument(planning.apiSchema, document, {}));
      const before = JSON.stringify(plan);
      return JSON.stringify(withRequiresArgumentsApart(plan, planning.supergraphSchema, document, undefined)) !== before;
    } catch {
      return false; // an operation that does not plan is compared as it is
    }
  };
}

/** Subgraphs served (signed), composed into a supergraph, and a gateway per executor in front. */
async function meshOf(name: string, subgraphs: readonly FixtureSubgraph[]): Promise<CorpusMesh> {
  const served = await serveSignedSubgraphs(subgraphs);
  const file = join(tmp, `${name}.graphql`);
  composeSupergraph(
    subgraphs.map((s) => ({ name: s.name, sdl: s.sdl, url: served.urls[s.name]! })),
    file,
  );
  const config: GatewayConfigInput = {
    port: 0,
    supergraph: { file },
    // Not data products: nothing classifies their fields.
    access: { allowUnclassifiedFields: true },
    usage: { enabled: false },
    // One request at a time per gateway: no retry may reorder what a product sees.
    // No breaker opens: when a down product's breaker opened (and half-opened) would depend on
    // each gateway's timing under load, and change the message one of them gives.
    transport: { retry: { retries: 0 }, breaker: { failureThreshold: 1_000_000 } },
  };
  let oracle: ApolloGateway | undefined;
  const gateways = [
    await startGateway(
      resolveGatewayConfig(config),
      apolloExecutes((g) => (oracle = g)),
    ),
    await startGateway(resolveGatewayConfig(config)),
  ] as const;
  const send = (url: string) => (operation: HarnessOperation) => postGraphQL(url, { query: operation.query, variables: operation.variables });
  return {
    apollo: send(gateways[0].url),
    meshgate: send(gateways[1].url),
    corrected: correctedPlans(() => oracle),
    close: async () => {
      await Promise.all(gateways.map((g) => g.close()));
      await served.close();
    },
  };
}

const CORPUS: readonly CorpusEntry[] = [
  {
    name: 'federation fixtures',
    start: () => meshOf('fixtures', FIXTURE_SUBGRAPHS),
    operations: FIXTURE_OPERATIONS,
    // p2 has no name (the reviews product provides it null too), p3 no tags, favourite book or shelf in the
    // library; r2 no text; m3 no title and no rating (the reviews product does not know it); rows and items null by data.
    nullable: [
      'Person.name',
      'Person.tags',
      'Person.friends',
      'Person.favouriteBook',
      'Person.borrowed',
      'Cell.label',
      'Review.text',
      'Media.title',
      'Film.title',
      'Media.rating',
      'Film.rating',
      'Song.rating',
      'Query.matrix',
      'Query.grid',
      'Query.search',
      'Query.books',
    ],
    check: async (mesh) => {
      // A null no product error explains: Apollo Gateway answers `data: null` and no error at all.
      const silent = { name: 'unexplained null', query: '{ person(id: "p3") { id shelfCount } }' };
      const [apollo, meshgate] = await Promise.all([mesh.apollo(silent), mesh.meshgate(silent)]);
      expect(apollo.body).toMatchObject({ data: { person: null } });
      expect(apollo.body.errors).toBeUndefined();
      expect(meshgate.body.data).toEqual({ person: null });
      expect(meshgate.body.errors?.map((e) => [e.extensions?.code, e.path, e.message])).toEqual([
        ['NULL_IN_NON_NULL_FIELD', ['person', 'shelfCount'], 'Cannot return null for non-nullable field Person.shelfCount.'],
      ]);
      // @interfaceObject fields reached through a concrete type: the product answers for Media, the client asked a Film.
      const films = await mesh.meshgate({ name: 'interfaceObject on a concrete type', query: '{ films { __typename id rating } }' });
      expect(films.body.data?.films[0]).toEqual({ __typename: 'Film', id: 'm1', rating: 5 });
      // An @interfaceObject no product can name the concrete type of: null, and an error saying so (Apollo Gateway: a silent null).
      const spotlight = await mesh.meshgate({ name: 'unresolved interfaceObject', query: '{ spotlight { __typename id rating } }' });
      expect(spotlight.body.data).toEqual({ spotlight: null });
      expect(spotlight.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['PRODUCT_ERROR', ['spotlight', 1]]]);
      // @requires with an argument: the product is sent weight(unit: "kg"), not the default grams.
      const requires = await mesh.meshgate({ name: 'requires with arguments', query: '{ books { isbn shippingClass } }' });
      expect(requires.body.data?.books.slice(0, 3)).toEqual([
        { isbn: 'b1', shippingClass: 'light' },
        { isbn: 'b2', shippingClass: 'heavy' },
        { isbn: 'b4', shippingClass: 'light' },
      ]);
    },
    generated: { seed: 'fixtures', count: 32, maxDepth: 4, argumentValues: { id: 'p1', email: 'ada@example.com', isbn: 'b1', unit: 'kg' } },
  },
  {
    name: 'the issue 25 edge cases',
    start: () => meshOf('edge', EDGE_CASE_SUBGRAPHS),
    operations: EDGE_CASE_OPERATIONS,
    // The generator asks item(id: "p1"), an id of the other case's.
    nullable: ['Query.item'],
    generated: { seed: 'edge', count: 8, maxDepth: 3, argumentValues: { id: 'p1', first: 2 } },
  },
  {
    name: 'the benchmark graph',
    start: () => meshOf('bench', FEDERATION_SUBGRAPHS),
    operations: [{ name: 'the benchmark query', query: FEDERATION_QUERY }, ...BENCH_OPERATIONS],
    nullable: [],
    generated: { seed: 'bench', count: 16, maxDepth: 5, argumentValues: { id: '1', first: 3 } },
  },
  {
    name: 'the demo mesh',
    start: async () => {
      const products = await startProducts();
      let oracle: ApolloGateway | undefined;
      const apollo = await startGatewayFor(
        products,
        {},
        apolloExecutes((g) => (oracle = g)),
        async () => {},
      );
      const meshgate = await startGatewayFor(products, {}, {}, () => closeProducts(products));
      return {
        apollo: (operation) => apollo.query(operation.query, operation.variables),
        meshgate: (operation) => meshgate.query(operation.query, operation.variables),
        corrected: correctedPlans(() => oracle),
        close: async () => {
          await apollo.close();
          await meshgate.close();
        },
      };
    },
    operations: [...DASHBOARD_QUERIES.map((q) => ({ name: q.name, query: q.query })), ...DEMO_OPERATIONS],
    // No customer "nobody", no order "C00001" (the generator's id), no average order value without orders.
    nullable: ['Query.customer', 'Query.order', 'Customer.averageOrderValueUsd'],
    generated: {
      seed: 'demo',
      count: 24,
      maxDepth: 3,
      argumentValues: {
        id: 'C00001',
        customerId: 'C00001',
        customerIds: ['C00001', 'C00042'],
        sku: 'SKU-0001',
        first: 3,
        months: 2,
        from: '2025-01-01',
        to: '2025-03-31',
        fromMonth: '2026-04',
        toMonth: '2026-06',
      },
    },
  },
];

describe('our executor answers as the spec says, and as Apollo Gateway does but for the deliberate differences', () => {
  for (const entry of CORPUS) {
    it(`over ${entry.name}: hand-written and generated operations`, async () => {
      const mesh = await entry.start();
      try {
        const schema = await introspect(mesh.apollo);
        const generated = generateOperations(schema, entry.generated).map((op, i) => ({ name: `generated #${i}`, ...op }));
        const legitimate = new Set(entry.nullable);
        const tolerated = new Set(Object.keys(entry.silentWhile ?? {}));
        const report: string[] = [];
        const counts = { executed: 0, spec: 0, pending: 0, apolloFromSpec: 0, apolloSilent: 0 };
        const deliberate = { count: 0 };
        for (const operation of [...entry.operations, ...generated]) {
          const [apollo, meshgate] = await Promise.all([mesh.apollo(operation), mesh.meshgate(operation)]);
          if (apollo.body.data !== undefined) counts.executed++;
          const corrected = mesh.corrected(operation);
          if (corrected) deliberate.count++;
          const found = corrected ? [] : differences(apollo, meshgate, deliberate);
          const { spec, pending } = operation as HarnessOperation;
          if (spec) {
            const fromSpec = specDifferences(meshgate, spec);
            if (pending) {
              counts.pending++;
              if (fromSpec.length === 0) found.push(`answers as the spec says now: delete its \`pending\` line (${pending})`);
            } else {
              counts.spec++;
              found.push(...fromSpec.map((d) => `meshgate against the spec: ${d}`));
              if (specDifferences(apollo, spec).length > 0) counts.apolloFromSpec++;
            }
          }
          // A pending operation's silent null is its reason; a generated one is tolerated only at a coordinate named pending.
          const silent = pending ? [] : silentNulls(schema, operation.query, meshgate.body, legitimate).filter((n) => !n.coordinates.some((c) => tolerated.has(c)));
          found.push(...silent.map((n) => `silent null from meshgate: ${n.what}`));
          if (silentNulls(schema, operation.query, apollo.body, legitimate).length > 0) counts.apolloSilent++;
          if (found.length > 0) report.push(`${operation.name}: ${operation.query}${operation.variables ? ` ${JSON.stringify(operation.variables)}` : ''}\n    ${found.join('\n    ')}`);
        }
        // A corpus whose operations all fail validation would compare nothing.
        expect(counts.executed).toBeGreaterThan((entry.operations.length + generated.length) / 2);
        expect(report, `${report.length} operation(s) of ${entry.operations.length + generated.length} answered wrongly:\n${report.join('\n')}`).toEqual([]);
        await entry.check?.(mesh);
        console.info(
          `${entry.name}: ${entry.operations.length} hand-written + ${generated.length} generated operations, ${counts.executed} executed; ` +
            `${counts.spec} as the spec says (${counts.pending} pending); 0 differences from Apollo Gateway, ${deliberate.count} deliberate (listed); ` +
            `Apollo Gateway departs from the spec in ${counts.apolloFromSpec} and answers a silent null in ${counts.apolloSilent}`,
        );
      } finally {
        await mesh.close();
      }
    });
  }
});
