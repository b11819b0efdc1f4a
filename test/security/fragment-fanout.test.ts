import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fragmentFanOutDocument } from '../../bench/hostile/fragment-fanout-document.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * The fragment fan-out: 26 fragments, each spreading the next twice, are a few hundred
 * bytes that expand to 2^26 copies of one field. Before the expanded-size limit, n = 20
 * took seconds and most of a gigabyte, and n = 26 with cost enforcement killed the process.
 * It must be refused with its own code before validation, and the gateway must serve on.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh({ cost: { mode: 'enforce', maxCost: 5000 } });
});
afterAll(async () => {
  await mesh?.close();
});

function expectSelectionLimit(result: { status: number; body: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } }): void {
  expect(result.status).toBe(400);
  expect(result.body.data).toBeUndefined();
  expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['SELECTION_LIMIT_EXCEEDED']);
}

describe('a fragment fan-out', () => {
  it('of 26 levels is refused with 400 SELECTION_LIMIT_EXCEEDED, and no product is asked', async () => {
    mesh.clearQueryLogs();
    const document = fragmentFanOutDocument(26);
    expect(document.length).toBeLessThan(1600);
    expectSelectionLimit(await mesh.query(document));
    for (const product of Object.keys(mesh.products)) expect(mesh.fetches(product)).toEqual([]);
  });

  it('is refused the same way as a GET, and at 40 levels', async () => {
    const url = `${mesh.gateway.url}?query=${encodeURIComponent(fragmentFanOutDocument(26))}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expectSelectionLimit({ status: response.status, body: (await response.json()) as never });
    expectSelectionLimit(await mesh.query(fragmentFanOutDocument(40)));
  });

  it('leaves the gateway serving: a normal query after it is answered', async () => {
    expectSelectionLimit(await mesh.query(fragmentFanOutDocument(26)));
    const after = await mesh.query('{ customer(id: "C00001") { id name } }');
    expect(after.status).toBe(200);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ customer: { id: 'C00001', name: expect.any(String) } });
  });

  it('within the limit is served: 2^8 copies of a field are a legitimate (if odd) query', async () => {
    const served = await mesh.query(fragmentFanOutDocument(8));
    expect(served.status).toBe(200);
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data).toEqual({ __typename: 'Query' });
  });
});
