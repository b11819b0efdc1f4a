import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/** Automatic persisted queries, and the safelist from an Apollo persisted-query manifest. */
const LISTED = 'query CustomerName($id: ID!) { customer(id: $id) { segment } }';
let dir: string;
let mesh: MeshHarness;
let logOnly: RunningGateway;
let apqOnly: RunningGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-pq-'));
  const manifest = join(dir, 'persisted-query-manifest.json');
  writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'customer-name-v1', name: 'CustomerName', type: 'query', body: LISTED }] }));
  mesh = await startWorkerMesh({ persistedOperations: { safelist: { manifest } } });
  logOnly = await startGatewayOn(mesh, { persistedOperations: { safelist: { manifest, mode: 'log' } } });
  apqOnly = await startGatewayOn(mesh);
});
afterAll(async () => {
  await logOnly?.close();
  await apqOnly?.close();
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byId = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables: { id: 'C00042' } });

describe('safelist (enforce)', () => {
  it('runs a listed operation by manifest id or in full, however it is formatted', async () => {
    const viaId = await postGraphQL(mesh.gateway.url, byId('customer-name-v1'));
    expect(viaId.body.errors).toBeUndefined();
    expect(viaId.body.data).toEqual({ customer: { segment: 'CONSUMER' } });
    const reformatted = await mesh.query('query CustomerName($id: ID!) {\n  customer(id: $id) {\n    segment\n  }\n}', { id: 'C00042' });
    expect(reformatted.body.data).toEqual({ customer: { segment: 'CONSUMER' } });
  });

  it('refuses an operation that is not in the manifest with OPERATION_NOT_IN_SAFELIST, before any product is called', async () => {
    mesh.clearQueryLogs();
    const refused = await mesh.query('query CustomerSegment($id: ID!) { customer(id: $id) { id segment } }', { id: 'C00042' });
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['OPERATION_NOT_IN_SAFELIST']);
    expect(mesh.statements('customers')).toHaveLength(0);
    // An unknown id is not found, not run.
    const unknownId = await postGraphQL(mesh.gateway.url, byId('not-in-manifest'));
    expect(unknownId.body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('safelist (log)', () => {
  it('runs an unlisted operation', async () => {
    const result = await postGraphQL(logOnly.url, { query: '{ customer(id: "C00042") { segment } }' });
    expect(result.body).toMatchObject({ data: { customer: { segment: 'CONSUMER' } } });
    expect(result.body.errors).toBeUndefined();
  });
});

describe('automatic persisted queries', () => {
  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, registers the query, then serves it by hash', async () => {
    const query = '{ customer(id: "C00001") { segment } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const miss = await postGraphQL(apqOnly.url, { extensions });
    expect(miss.body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const register = await postGraphQL(apqOnly.url, { query, extensions });
    expect(register.body.errors).toBeUndefined();
    const hit = await postGraphQL(apqOnly.url, { extensions });
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data).toEqual(register.body.data);
    // A hash that does not match its query is refused, so no one can plant a query under another's hash.
    const hijack = await postGraphQL(apqOnly.url, { query: '{ __typename }', extensions });
    expect(hijack.status).toBe(400);
  });
});
