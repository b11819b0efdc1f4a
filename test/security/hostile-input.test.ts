import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Hostile and malformed requests, each answered with a 4xx and its exact code: never a
 * 5xx, never a crash. Sent as raw HTTP so nothing in between tidies them up.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh({ maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await mesh?.close();
});

async function send(init: { method?: string; body?: string; headers?: Record<string, string>; search?: string }): Promise<{ status: number; code: unknown; body: any }> {
  const url = mesh.gateway.url + (init.search ?? '');
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers ?? { 'content-type': 'application/json' }, body: init.body });
  const body: any = await response.json();
  return { status: response.status, code: body.errors?.[0]?.extensions?.code, body };
}

const json = (value: unknown) => ({ body: JSON.stringify(value) });
const PREFLIGHT = { 'apollo-require-preflight': 'true' };

describe('hostile input', () => {
  it.each([
    ['malformed JSON', { body: '{"query": "{ __typename }"' }, 400, 'BAD_REQUEST'],
    ['a JSON body that is not an object', { body: '"{ __typename }"' }, 400, 'BAD_REQUEST'],
    ['an empty body', { body: '' }, 400, 'BAD_REQUEST'],
    ['a wrong content type', { body: '{ __typename }', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', { body: '{"query":"{ __typename }"}', headers: {} }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a form post (CSRF-able)', { body: 'query=%7B__typename%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a non-string query', json({ query: 42 }), 400, 'BAD_REQUEST'],
    ['a query that is an object', json({ query: { kind: 'Document' } }), 400, 'BAD_REQUEST'],
    ['variables that are not an object', json({ query: '{ __typename }', variables: 'id=1' }), 400, 'BAD_REQUEST'],
    ['a body larger than the limit', json({ query: `{ customer(id: "${'x'.repeat(70 * 1024)}") { id } }` }), 413, 'BODY_TOO_LARGE'],
    ['a syntax error', json({ query: '{ customer(id: "C00001") { id ' }), 400, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', json({ query: '{ customer(id: "C00001") { passwordHash } }' }), 400, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'deeply nested selections',
      json({ query: `{ customer(id: "C00001") ${'{ orders(first: 1) { edges { node { customer '.repeat(20)}{ id }${' } } } }'.repeat(20)} }` }),
      400,
      'DEPTH_LIMIT_EXCEEDED',
    ],
    ['a deeply nested JSON array', { body: `${'['.repeat(20_000)}${']'.repeat(20_000)}` }, 400, 'BATCHING_DISABLED'],
    ['a cycle of fragments', json({ query: '{ customer(id: "C00001") { ...A } } fragment A on Customer { ...B } fragment B on Customer { ...A }' }), 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable of the wrong type', json({ query: 'query($id: ID!) { customer(id: $id) { id } }', variables: { id: { $gt: '' } } }), 400, 'BAD_USER_INPUT'],
    ['a missing required variable', json({ query: 'query($id: ID!) { customer(id: $id) { id } }' }), 400, 'BAD_USER_INPUT'],
    ['an unknown operation name', json({ query: 'query A { __typename } query B { __typename }', operationName: 'C' }), 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['several operations and no name', json({ query: 'query A { __typename } query B { __typename }' }), 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['a mutation the schema does not have', json({ query: 'mutation { dropTable }' }), 400, 'GRAPHQL_VALIDATION_FAILED'],
    ['a PUT', { method: 'PUT', body: '{"query":"{ __typename }"}' }, 405, 'METHOD_NOT_ALLOWED'],
    ['a GET mutation', { method: 'GET', headers: PREFLIGHT, search: `?query=${encodeURIComponent('mutation { dropTable }')}` }, 405, 'METHOD_NOT_ALLOWED'],
    ['a GET without a CSRF-prevention header', { method: 'GET', headers: {}, search: `?query=${encodeURIComponent('{ __typename }')}` }, 400, 'BAD_REQUEST'],
    ['a GET with variables that are not JSON', { method: 'GET', headers: PREFLIGHT, search: `?query=${encodeURIComponent('{ __typename }')}&variables=%7Bnope` }, 400, 'BAD_REQUEST'],
    ['a persisted-query hash that does not match the query', json({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }), 400, 'BAD_REQUEST'],
    ['an unsupported persisted query version', json({ extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }), 400, 'BAD_REQUEST'],
  ] as const)('%s', async (_name, init, status, code) => {
    const result = await send(init);
    expect({ status: result.status, code: result.code }).toEqual({ status, code });
    expect(result.body.data).toBeUndefined();
  });

  it('a GET query with the CSRF-prevention header is served', async () => {
    const result = await send({ method: 'GET', headers: PREFLIGHT, search: `?query=${encodeURIComponent('{ customer(id: "C00001") { id } }')}` });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ customer: { id: 'C00001' } });
  });

  it('a huge string inside the body limit is only data: the product finds nothing', async () => {
    const result = await mesh.query(`{ customer(id: "${'\u0000'.repeat(10_000)}") { id } }`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ customer: null });
  });
});
