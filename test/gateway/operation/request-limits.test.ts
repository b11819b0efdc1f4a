import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/** Every request limit through the real gateway: each refusal with its code and status. */
let mesh: MeshHarness;
let lenient: RunningGateway;
beforeAll(async () => {
  mesh = await startWorkerMesh({
    maxBodyBytes: 4096,
    batching: { enabled: true, maxOperations: 2 },
    limits: { maxDepth: 6, maxAliases: 3, maxTokens: 200, maxDirectives: 3 },
    cost: { mode: 'enforce', maxCost: 1000 },
  });
  // A second gateway on the same products: batching off, cost only measured.
  lenient = await startGatewayOn(mesh, { cost: { mode: 'measure', maxCost: 1000 } });
});
afterAll(async () => {
  await lenient?.close();
  await mesh?.close();
});

function expectRefused(result: Awaited<ReturnType<MeshHarness['query']>>, status: number, code: string): void {
  expect(result.status).toBe(status);
  expect(result.body.data).toBeUndefined();
  expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual([code]);
}

const COSTLY = '{ orders(first: 100) { edges { node { lines { product { name } } } } } }';

describe('request limits', () => {
  it('body size: BODY_TOO_LARGE with 413', async () => {
    const padding = 'x'.repeat(5000);
    expectRefused(await mesh.query(`{ customer(id: "${padding}") { id } }`), 413, 'BODY_TOO_LARGE');
  });

  it('batch size: BATCH_TOO_LARGE beyond the limit; a batch within it is served', async () => {
    const op = { query: '{ customer(id: "C00001") { id } }' };
    expectRefused(await postGraphQL(mesh.gateway.url, [op, op, op]), 400, 'BATCH_TOO_LARGE');
    const served = await postGraphQL(mesh.gateway.url, [op, op]);
    expect(served.status).toBe(200);
    expect(served.body).toEqual([{ data: { customer: { id: 'C00001' } } }, { data: { customer: { id: 'C00001' } } }].map((r) => expect.objectContaining(r)));
  });

  it('batching off: BATCHING_DISABLED', async () => {
    expectRefused(await postGraphQL(lenient.url, [{ query: '{ __typename }' }]), 400, 'BATCHING_DISABLED');
  });

  it('depth: DEPTH_LIMIT_EXCEEDED, counted through fragments too', async () => {
    const shallow = await mesh.query('{ customer(id: "C00001") { orders(first: 1) { edges { node { id } } } } }');
    expect(shallow.body.errors).toBeUndefined();
    expectRefused(await mesh.query('{ customer(id: "C00001") { orders(first: 1) { edges { node { lines { product { forecast(months: 1) { units } } } } } } } }'), 400, 'DEPTH_LIMIT_EXCEEDED');
    expectRefused(
      await mesh.query(
        'query { customer(id: "C00001") { ...O } } fragment O on Customer { orders(first: 1) { edges { node { ...L } } } } fragment L on Order { lines { product { forecast(months: 1) { units } } } }',
      ),
      400,
      'DEPTH_LIMIT_EXCEEDED',
    );
  });

  it('aliases: ALIAS_LIMIT_EXCEEDED', async () => {
    expectRefused(await mesh.query('{ a: __typename b: __typename c: __typename d: __typename }'), 400, 'ALIAS_LIMIT_EXCEEDED');
    expect((await mesh.query('{ a: __typename b: __typename c: __typename }')).body.data).toEqual({ a: 'Query', b: 'Query', c: 'Query' });
  });

  it('tokens: TOKEN_LIMIT_EXCEEDED, before parsing', async () => {
    const fields = Array.from({ length: 250 }, () => '__typename').join(' ');
    expectRefused(await mesh.query(`{ ${fields} }`), 400, 'TOKEN_LIMIT_EXCEEDED');
  });

  it('directives: DIRECTIVE_LIMIT_EXCEEDED', async () => {
    expectRefused(await mesh.query('{ __typename @include(if: true) @skip(if: false) a: __typename @include(if: true) b: __typename @include(if: true) }'), 400, 'DIRECTIVE_LIMIT_EXCEEDED');
  });

  it('cost (enforce): COST_LIMIT_EXCEEDED from @listSize slicing arguments, literal or variable', async () => {
    const refused = await mesh.query(COSTLY);
    expectRefused(refused, 400, 'COST_LIMIT_EXCEEDED');
    // 1 (orders) + 100 edges x (edge 1 + node 1 + 5 assumed lines x (line 1 + product 1))
    expect(refused.body.errors![0]!.extensions!.cost).toEqual({ estimated: 1201, max: 1000 });
    expectRefused(await mesh.query('query($n: Int) { orders(first: $n) { edges { node { lines { product { name } } } } } }', { n: 100 }), 400, 'COST_LIMIT_EXCEEDED');
    mesh.clearQueryLogs();
    const cheap = await mesh.query('query($n: Int) { orders(first: $n) { edges { node { lines { product { name } } } } } }', { n: 10 });
    expect(cheap.body.errors).toBeUndefined();
    expect(cheap.body.extensions?.cost).toEqual({ estimated: 121, max: 1000, mode: 'enforce' });
    expect(mesh.statements('sales').length).toBeGreaterThan(0);
  });

  it("cost (enforce): a slicing argument left to its variable's default is priced at the default", async () => {
    const defaulted = await mesh.query('query($n: Int = 100) { orders(first: $n) { edges { node { lines { product { name } } } } } }');
    expectRefused(defaulted, 400, 'COST_LIMIT_EXCEEDED');
    expect(defaulted.body.errors![0]!.extensions!.cost).toEqual({ estimated: 1201, max: 1000 });
  });

  it('cost (measure): the same operation runs, with its cost reported', async () => {
    const measured = await postGraphQL(lenient.url, { query: COSTLY });
    expect(measured.status).toBe(200);
    expect(measured.body.errors).toBeUndefined();
    expect(measured.body.data.orders.edges).toHaveLength(100);
    expect(measured.body.extensions?.cost).toEqual({ estimated: 1201, max: 1000, mode: 'measure' });
  });
});
