import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * "Did you mean …?" is introspection one guess at a time. A misspelt field must not name a
 * preview field to a caller who has not opted in, nor an inaccessible one to anyone, and
 * with introspection off no error suggests any name at all.
 */
let mesh: MeshHarness;
let closed: RunningGateway;
beforeAll(async () => {
  mesh = await startWorkerMesh();
  closed = await startGatewayOn(mesh, { introspection: false });
});
afterAll(async () => {
  await closed?.close();
  await mesh?.close();
});

const PREVIEW = { 'x-meshgate-preview': 'true' };

function errorsOf(result: Awaited<ReturnType<MeshHarness['query']>>): [string, string][] {
  return (result.body.errors ?? []).map((e) => [e.extensions?.code, e.message]);
}

describe('with introspection on', () => {
  it('suggests public fields, as graphql-js does', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { listPrce } }');
    expect(result.status).toBe(400);
    expect(errorsOf(result)).toEqual([['GRAPHQL_VALIDATION_FAILED', 'Cannot query field "listPrce" on type "Product". Did you mean "listPrice"?']]);
  });

  it('never suggests a preview field to a caller who has not opted in', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sustainability } }');
    expect(result.status).toBe(400);
    expect(errorsOf(result)).toEqual([['GRAPHQL_VALIDATION_FAILED', 'Cannot query field "sustainability" on type "Product".']]);
  });

  it('suggests it to a caller who has opted in', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sustainability } }', undefined, PREVIEW);
    expect(errorsOf(result)).toEqual([['GRAPHQL_VALIDATION_FAILED', 'Cannot query field "sustainability" on type "Product". Did you mean "sustainabilityScore"?']]);
  });

  it('never suggests an inaccessible field, to any caller', async () => {
    for (const [query, hidden] of [
      ['{ product(sku: "SKU-0001") { unitCos } }', 'unitCost'],
      ['{ customer(id: "C00042") { leadScor } }', 'leadScore'],
    ] as const) {
      const result = await mesh.query(query, undefined, PREVIEW);
      expect(result.status).toBe(400);
      expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(JSON.stringify(result.body)).not.toContain(hidden);
    }
  });
});

describe('with introspection off', () => {
  const post = (query: string, variables?: Record<string, unknown>) => postGraphQL(closed.url, { query, variables });

  it('refuses introspection with INTROSPECTION_DISABLED and suggests no field in a validation error', async () => {
    expect(errorsOf(await post('{ __type(name: "Product") { name } }'))).toEqual([['INTROSPECTION_DISABLED', 'Introspection is disabled on this gateway']]);
    const result = await post('{ product(sku: "SKU-0001") { listPrce } }');
    expect(result.status).toBe(400);
    expect(errorsOf(result)).toEqual([['GRAPHQL_VALIDATION_FAILED', 'Cannot query field "listPrce" on type "Product".']]);
  });

  it('suggests no input field in a variable that does not fit its type (checked at execution, not validation)', async () => {
    const query = 'query ($filter: ProductFilter) { products(first: 1, filter: $filter) { totalCount } }';
    const variables = { filter: { categry: 'Audio' } };
    // The same mistake where introspection is on gets a suggestion: this is what is hidden.
    const open = await mesh.query(query, variables);
    expect(open.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(open.body.errors?.[0]?.message).toMatch(/Did you mean "category"\?$/);
    const result = await post(query, variables);
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors?.[0]?.message).toMatch(/Field "categry" is not defined by type "ProductFilter"\.$/);
  });
});
