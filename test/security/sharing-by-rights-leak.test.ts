import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import type { HoldingProxy } from '../support/holding-proxy.ts';
import { startSharingRig, type SharingRig } from '../support/sharing-rig.ts';
import { until } from '../support/until.ts';
import { postGraphQL, type GraphQLHttpResult, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * Trying to get a privileged caller's answer as a less privileged one, now that answers are
 * shared by rights rather than by token: start the privileged request, hold its product
 * fetch, and send the same operation as someone who may read less while it is in flight;
 * or ask right after the privileged answer was kept. The less privileged caller must get
 * exactly its own answer: null and FORBIDDEN_FIELD where it may not read, never a value.
 * `customers` is held by a proxy, so the test decides what is in flight together.
 */
let mesh: MeshHarness;
let proxy: HoldingProxy;
let held: RunningGateway;
let cached: RunningGateway;

const LIFETIME = '{ customers(first: 2) { edges { node { id averageOrderValueUsd } } } }';
const DENIED_AVERAGE = 'Not authorized to read Customer.averageOrderValueUsd: it requires scope finance:read';

let rig: SharingRig | undefined;
beforeAll(async () => {
  rig = await startSharingRig();
  ({ mesh, proxy, cached } = rig);
  held = rig.held;
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => proxy.reset());

const joined = async () => (await held.metrics.coalescedRequests.get()).values[0]?.value ?? 0;
const bearer = async (scope: string) => ({ authorization: `Bearer ${await mesh.token({ sub: `${crypto.randomUUID()}@example.com`, scope })}` });
const post = (gateway: RunningGateway, query: string, headers: Record<string, string> = {}) => postGraphQL(gateway.url, { query }, headers);

/** What a caller without finance:read must get for LIFETIME: the ids, and null with its error for each average. */
function expectDeniedAverages(result: GraphQLHttpResult): void {
  expect(result.status).toBe(200);
  expect(result.body.data).toEqual({ customers: { edges: [{ node: { id: expect.any(String), averageOrderValueUsd: null } }, { node: { id: expect.any(String), averageOrderValueUsd: null } }] } });
  expect(result.body.errors?.map((error) => [error.extensions?.code, error.path, error.message])).toEqual(
    [0, 1].map((i) => ['FORBIDDEN_FIELD', ['customers', 'edges', i, 'node', 'averageOrderValueUsd'], DENIED_AVERAGE]),
  );
}

function expectAverages(result: GraphQLHttpResult): void {
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data.customers.edges.map((edge: { node: { averageOrderValueUsd: unknown } }) => typeof edge.node.averageOrderValueUsd)).toEqual(['number', 'number']);
}

describe('joining a privileged caller in flight', () => {
  for (const [name, lessPrivileged] of [
    ['an anonymous caller', async () => ({})],
    ['a caller with other scopes (pii:read)', () => bearer('pii:read')],
    [
      'a caller whose token names finance:read in claims that are no scopes',
      () => mesh.token({ scope: 'pii:read finance:read:all', scp: 'finance:read', roles: ['finance:read'] }).then((token) => ({ authorization: `Bearer ${token}` })),
    ],
  ] as const) {
    it(`${name} gets null and FORBIDDEN_FIELD, never the privileged values`, async () => {
      const joinedBefore = await joined();
      const privileged = post(held, LIFETIME, await bearer('finance:read pii:read'));
      await until(() => proxy.held.length === 1);
      const other = post(held, LIFETIME, await lessPrivileged());
      // Its own execution reaches the product: it did not join the privileged one.
      await until(() => proxy.held.length === 2);
      proxy.releaseAll();
      expectAverages(await privileged);
      expectDeniedAverages(await other);
      expect(await joined()).toBe(joinedBefore);
    });
  }

  it('the privileged caller joining a less privileged one in flight still gets its values', async () => {
    const anonymous = post(held, LIFETIME);
    await until(() => proxy.held.length === 1);
    const privileged = post(held, LIFETIME, await bearer('finance:read'));
    await until(() => proxy.held.length === 2);
    proxy.releaseAll();
    expectDeniedAverages(await anonymous);
    expectAverages(await privileged);
  });

  it('a forged token joining gets 401 UNAUTHENTICATED and no data', async () => {
    const privileged = post(held, LIFETIME, await bearer('finance:read'));
    await until(() => proxy.held.length === 1);
    const token = (await bearer('finance:read')).authorization.split('.');
    const forged = await post(held, LIFETIME, { authorization: `${token[0]}.${Buffer.from(JSON.stringify({ sub: 'mallory', scope: 'finance:read pii:read' })).toString('base64url')}.${token[2]}` });
    expect(forged.status).toBe(401);
    expect(forged.body.data).toBeUndefined();
    expect(forged.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    proxy.releaseAll();
    expectAverages(await privileged);
  });

  it('two operations pruned to the same document share one execution, and each answer has only its own shape', async () => {
    // Anonymous: name (pii:read, non-null) and averageOrderValueUsd (finance:read) are both
    // cut, leaving `customer(id: "C00001") { id }` in each. The name's denial nulls the
    // customer (nullable); the average's denial nulls only the average. Were one caller's
    // nulls written into the shared answer, the other would lose its customer.
    const NAME = '{ customer(id: "C00001") { id name } }';
    const AVERAGE = '{ customer(id: "C00001") { id averageOrderValueUsd } }';
    for (const order of [
      [NAME, AVERAGE],
      [AVERAGE, NAME],
    ]) {
      proxy.reset();
      const joinedBefore = await joined();
      const [first, second] = order.map((query) => post(held, query));
      await until(async () => proxy.held.length === 1 && (await joined()) === joinedBefore + 1);
      proxy.releaseAll();
      const answers = new Map([
        [order[0], await first!],
        [order[1], await second!],
      ]);
      const name = answers.get(NAME)!;
      expect(name.body.data).toEqual({ customer: null });
      expect(name.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['FORBIDDEN_FIELD', ['customer', 'name']]]);
      const average = answers.get(AVERAGE)!;
      expect(average.body.data).toEqual({ customer: { id: 'C00001', averageOrderValueUsd: null } });
      expect(average.body.errors?.map((error) => [error.extensions?.code, error.path, error.message])).toEqual([['FORBIDDEN_FIELD', ['customer', 'averageOrderValueUsd'], DENIED_AVERAGE]]);
    }
  });

  it('a caller who has not opted in to preview, joining an opted-in one that introspects beside data, never sees a preview field', async () => {
    const INTROSPECTING = '{ __type(name: "Product") { fields { name } } customers(first: 1) { edges { node { id } } } }';
    const fieldNames = (result: GraphQLHttpResult) => result.body.data.__type.fields.map((field: { name: string }) => field.name);
    const optedIn = post(held, INTROSPECTING, { 'x-meshgate-preview': 'true' });
    await until(() => proxy.held.length === 1);
    const plain = post(held, INTROSPECTING);
    await until(() => proxy.held.length === 2);
    proxy.releaseAll();
    expect(fieldNames(await optedIn)).toContain('sustainabilityScore');
    expect(fieldNames(await plain)).not.toContain('sustainabilityScore');
    expect(fieldNames(await plain)).toContain('name');
  });
});

describe('asking after a privileged answer was kept', () => {
  it('a less privileged caller gets its own answer, not the kept one', async () => {
    const hits = async () => (await cached.metrics.answerCacheLookups.get()).values.find((v) => v.labels.outcome === 'hit')?.value ?? 0;
    const privileged = await bearer('finance:read');
    expectAverages(await post(cached, LIFETIME, privileged));
    expectAverages(await post(cached, LIFETIME, privileged));
    const hitsBefore = await hits();
    expectDeniedAverages(await post(cached, LIFETIME));
    expectDeniedAverages(await post(cached, LIFETIME, await bearer('pii:read')));
    // The second less privileged caller was answered from the first one's kept answer, not the privileged one's.
    expect(await hits()).toBe(hitsBefore + 1);
    expectAverages(await post(cached, LIFETIME, await bearer('finance:read')));
  });
});
