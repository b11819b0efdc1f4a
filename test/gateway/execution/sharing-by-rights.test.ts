import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import type { HoldingProxy } from '../../support/holding-proxy.ts';
import { startSharingRig, type SharingRig } from '../../support/sharing-rig.ts';
import { until } from '../../support/until.ts';
import { postGraphQL, type GraphQLHttpResult, type MeshHarness } from '../../support/mesh-harness.ts';

/**
 * Answers shared by rights, not by token, through the real gateway and real products.
 * Products are told nothing about the caller, so callers whose operation reaches them the
 * same way (same operation after access pruning, same variables, same preview opt-in) share
 * one execution and one kept answer, whatever their tokens; callers whose rights cut other
 * fields never do. `customers` sits behind a proxy that holds every fetch until the test
 * lets it go, so the test knows which requests were in flight together; product fetches
 * are counted where the products log them (`fetches`).
 */
let mesh: MeshHarness;
let proxy: HoldingProxy;
/** Coalescing on, outbound fetch de-duplication off: a product fetch is one execution. */
let sharing: RunningGateway;
/** The watermark cache on, with whole answers kept; no proxy. */
let cached: RunningGateway;

/** `averageOrderValueUsd` needs finance:read; without it the access rules prune it (nullable: null + FORBIDDEN_FIELD). */
const LIFETIME = 'query Lifetime($first: Int) { customers(first: $first) { edges { node { id averageOrderValueUsd } } } }';
/** `name` needs pii:read, `averageOrderValueUsd` finance:read. */
const NAMED = '{ customers(first: 2) { edges { node { id name averageOrderValueUsd } } } }';

let rig: SharingRig | undefined;
beforeAll(async () => {
  rig = await startSharingRig();
  ({ mesh, proxy, cached } = rig);
  sharing = rig.held;
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => {
  proxy.releaseAll();
  proxy.reset();
  mesh.clearQueryLogs();
});

const joined = async () => (await sharing.metrics.coalescedRequests.get()).values[0]?.value ?? 0;
const answerHits = async () => (await cached.metrics.answerCacheLookups.get()).values.find((v) => v.labels.outcome === 'hit')?.value ?? 0;

/** Headers for a caller: a token with these scopes (a subject of its own), or none (anonymous). */
async function caller(scope: string | null, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  if (scope === null) return extra;
  return { authorization: `Bearer ${await mesh.token({ sub: `${crypto.randomUUID()}@example.com`, scope })}`, ...extra };
}

const post = (gateway: RunningGateway, query: string, headers: Record<string, string>, variables: Record<string, unknown> = { first: 2 }) => postGraphQL(gateway.url, { query, variables }, headers);

const averages = (result: GraphQLHttpResult) => result.body.data.customers.edges.map((edge: { node: { averageOrderValueUsd: number | null } }) => edge.node.averageOrderValueUsd);
const codes = (result: GraphQLHttpResult) => result.body.errors?.map((error) => [error.extensions?.code, error.path]);

/**
 * Sends `first`, waits until its execution reaches the held product, then sends `second`:
 * had the two shared an execution, the second would never reach the product, and the wait
 * for a second held fetch fails.
 */
async function separately(first: () => Promise<GraphQLHttpResult>, second: () => Promise<GraphQLHttpResult>): Promise<[GraphQLHttpResult, GraphQLHttpResult]> {
  const joinedBefore = await joined();
  const a = first();
  await until(() => proxy.held.length === 1);
  const b = second();
  await until(() => proxy.held.length === 2);
  proxy.releaseAll();
  const answers = await Promise.all([a, b]);
  expect(await joined()).toBe(joinedBefore);
  expect(mesh.fetches('customers')).toHaveLength(2);
  return answers;
}

describe('callers with equal rights share one execution, whatever their token', () => {
  it('N callers with N tokens and the same scopes, in flight together: one execution, each its own request id', async () => {
    const callers = await Promise.all(Array.from({ length: 5 }, () => caller('finance:read')));
    expect(new Set(callers.map((headers) => headers.authorization)).size).toBe(5);
    const joinedBefore = await joined();
    const answers = callers.map((headers) => post(sharing, LIFETIME, headers));
    await until(async () => proxy.held.length === 1 && (await joined()) === joinedBefore + 4);
    proxy.releaseAll();
    const results = await Promise.all(answers);

    expect(proxy.received).toBe(1);
    expect(mesh.fetches('customers')).toHaveLength(1);
    expect(mesh.fetches('customer-insights')).toHaveLength(1);
    for (const result of results) {
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual(results[0]!.body.data);
    }
    expect(averages(results[0]!).every((value: unknown) => typeof value === 'number')).toBe(true);
    expect(new Set(results.map((result) => result.headers.get('x-request-id'))).size).toBe(5);
  });

  it('scopes the operation does not touch do not split callers: finance:read and finance:read + pii:read share', async () => {
    const [finance, analyst] = await Promise.all([caller('finance:read'), caller('finance:read pii:read')]);
    const joinedBefore = await joined();
    const answers = [post(sharing, LIFETIME, finance), post(sharing, LIFETIME, analyst)];
    await until(async () => proxy.held.length === 1 && (await joined()) === joinedBefore + 1);
    proxy.releaseAll();
    const [a, b] = await Promise.all(answers);
    expect(b!.body).toEqual(a!.body);
    expect(mesh.fetches('customers')).toHaveLength(1);
  });

  it('pruned operations share too: two anonymous-equivalent callers get one execution, each with its own FORBIDDEN_FIELD errors', async () => {
    // pii:read alone does not reach averageOrderValueUsd: the operation is pruned exactly as for an anonymous caller.
    const [anonymous, pii] = await Promise.all([caller(null), caller('pii:read')]);
    const joinedBefore = await joined();
    const answers = [post(sharing, LIFETIME, anonymous), post(sharing, LIFETIME, pii)];
    await until(async () => proxy.held.length === 1 && (await joined()) === joinedBefore + 1);
    proxy.releaseAll();
    for (const result of await Promise.all(answers)) {
      expect(averages(result)).toEqual([null, null]);
      expect(codes(result)).toEqual([0, 1].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'averageOrderValueUsd']]));
    }
    expect(mesh.fetches('customers')).toHaveLength(1);
    expect(mesh.fetches('customer-insights')).toHaveLength(0);
  });
});

describe('callers with different rights never share an execution', () => {
  it('a pruned operation: an anonymous caller and an analyst', async () => {
    const [analyst, anonymous] = await separately(
      async () => post(sharing, LIFETIME, await caller('finance:read pii:read')),
      async () => post(sharing, LIFETIME, await caller(null)),
    );
    expect(analyst.body.errors).toBeUndefined();
    expect(averages(analyst).every((value: unknown) => typeof value === 'number')).toBe(true);
    expect(averages(anonymous)).toEqual([null, null]);
    expect(codes(anonymous)).toEqual([0, 1].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'averageOrderValueUsd']]));
  });

  it('a different scope set: finance:read alone and pii:read alone cut different fields', async () => {
    const [finance, pii] = await separately(
      async () => post(sharing, NAMED, await caller('finance:read')),
      async () => post(sharing, NAMED, await caller('pii:read')),
    );
    // Customer.name is non-null: its denial nulls its way up to the root.
    expect(finance.body.data).toBeNull();
    expect(codes(finance)).toEqual([0, 1].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'name']]));
    expect(pii.body.data.customers.edges.map((edge: { node: { name: string } }) => typeof edge.node.name)).toEqual(['string', 'string']);
    expect(averages(pii)).toEqual([null, null]);
    expect(codes(pii)).toEqual([0, 1].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'averageOrderValueUsd']]));
  });

  it('a preview opt-in: the same operation for a caller who opted in and one who did not', async () => {
    const [optedIn, plain] = await separately(
      async () => post(sharing, LIFETIME, await caller('finance:read', { 'x-meshgate-preview': 'true' })),
      async () => post(sharing, LIFETIME, await caller('finance:read')),
    );
    expect(plain.body).toEqual({ ...optedIn.body, extensions: plain.body.extensions });
  });

  it('different variables', async () => {
    const headers = await caller('finance:read');
    const [two, three] = await separately(
      () => post(sharing, LIFETIME, headers, { first: 2 }),
      () => post(sharing, LIFETIME, headers, { first: 3 }),
    );
    expect(averages(two)).toHaveLength(2);
    expect(averages(three)).toHaveLength(3);
  });
});

describe('kept whole answers (the watermark cache on)', () => {
  it('are served across tokens with equal rights, and never across different rights', async () => {
    const query = '{ customers(first: 4) { edges { node { id averageOrderValueUsd } } } }';
    const first = await post(cached, query, await caller('finance:read'));
    expect(first.body.errors).toBeUndefined();
    expect(mesh.fetches('customers')).toHaveLength(1);

    // Another token, the same rights: answered whole, no product asked.
    mesh.clearQueryLogs();
    const hitsBefore = await answerHits();
    const second = await post(cached, query, await caller('finance:read'));
    expect(second.body.data).toEqual(first.body.data);
    expect(second.body.errors).toBeUndefined();
    expect(await answerHits()).toBe(hitsBefore + 1);
    expect(['customers', 'sales', 'customer-insights'].map((product) => mesh.fetches(product).length)).toEqual([0, 0, 0]);

    // Other rights: the kept answer is not theirs; their own operation reaches the product.
    const anonymous = await post(cached, query, await caller(null));
    expect(await answerHits()).toBe(hitsBefore + 1);
    expect(mesh.fetches('customers')).toHaveLength(1);
    expect(averages(anonymous)).toEqual([null, null, null, null]);
    expect(codes(anonymous)).toEqual([0, 1, 2, 3].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'averageOrderValueUsd']]));

    // The same rights as the anonymous caller for this operation: its kept answer, with its own errors.
    mesh.clearQueryLogs();
    const pii = await post(cached, query, await caller('pii:read'));
    expect(await answerHits()).toBe(hitsBefore + 2);
    expect(mesh.fetches('customers')).toHaveLength(0);
    expect(pii.body.data).toEqual(anonymous.body.data);
    expect(codes(pii)).toEqual(codes(anonymous));

    // And the finance callers' kept answer was never touched by the denials applied to the others.
    expect((await post(cached, query, await caller('finance:read'))).body.data).toEqual(first.body.data);
  });
});
