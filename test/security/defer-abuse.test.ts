import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';
import { postForParts } from '../support/multipart-parts.ts';

/** Hostile uses of @defer: each refused before anything is planned or fetched, with its exact code. */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh({ limits: { maxDefers: 3, maxDeferDepth: 2 } });
});
afterAll(async () => mesh?.close());

const DEFER_ACCEPT = 'multipart/mixed;deferSpec=20220824';

async function refusal(query: string, accept = DEFER_ACCEPT) {
  mesh.clearQueryLogs();
  const { status, body } = await mesh.query(query, undefined, { accept });
  const fetched = ['catalog', 'sales', 'customers'].flatMap((name) => mesh.fetches(name));
  return { status, code: body.errors?.[0]?.extensions?.code, data: body.data, fetched };
}

describe('@defer abuse', () => {
  it('more @defer fragments than limits.maxDefers: DEFER_LIMIT_EXCEEDED, nothing fetched', async () => {
    const fragments = Array.from({ length: 4 }, (_, i) => `... @defer(label: "l${i}") { categories { category } }`).join(' ');
    expect(await refusal(`{ ${fragments} }`)).toEqual({ status: 400, code: 'DEFER_LIMIT_EXCEEDED', data: undefined, fetched: [] });
  });

  it('@defer nested deeper than limits.maxDeferDepth: DEFER_LIMIT_EXCEEDED', async () => {
    const query = '{ orders(first: 1) { edges { node { id ... @defer(label: "a") { status ... @defer(label: "b") { currency ... @defer(label: "c") { orderDate } } } } } } }';
    expect(await refusal(query)).toMatchObject({ status: 400, code: 'DEFER_LIMIT_EXCEEDED', fetched: [] });
  });

  it('two unlabelled @defer at one path (the client could not tell their parts apart): DEFER_LIMIT_EXCEEDED', async () => {
    expect(await refusal('{ ... @defer { categories { category } } ... @defer { categories { productCount } } }')).toMatchObject({ status: 400, code: 'DEFER_LIMIT_EXCEEDED' });
  });

  it('multipart declined with q=0, or without deferSpec: DEFER_NOT_ACCEPTABLE (406)', async () => {
    const query = '{ categories { category } ... @defer { products(first: 1) { totalCount } } }';
    expect(await refusal(query, `${DEFER_ACCEPT};q=0, application/json`)).toMatchObject({ status: 406, code: 'DEFER_NOT_ACCEPTABLE', fetched: [] });
    expect(await refusal(query, 'multipart/mixed, application/json')).toMatchObject({ status: 406, code: 'DEFER_NOT_ACCEPTABLE' });
  });

  it('@defer around a field the caller may not read: FORBIDDEN_FIELD in that part, the product never asked', async () => {
    mesh.clearQueryLogs();
    const reader = await postForParts(mesh.gateway.url, {
      query: '{ categories { category } ... @defer(label: "money") { revenueByCurrency(from: "2000-01-01", to: "2999-12-31") { currency revenueUsd } } }',
    });
    const [first, second] = await reader.rest();
    expect(first.data.categories.length).toBeGreaterThan(0);
    expect(first.errors).toBeUndefined();
    expect(second.hasNext).toBe(false);
    const [part] = second.incremental;
    expect(part).toMatchObject({ data: null, path: [], label: 'money' });
    expect(part.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN_FIELD']);
    expect(mesh.fetches('sales')).toEqual([]);
  });

  it('@defer(if: false) is no deferral: one plain answer, even to a client that does not read parts', async () => {
    const { status, body } = await mesh.query('{ categories { category } ... @defer(if: false) { products(first: 1) { totalCount } } }', undefined, { accept: 'application/json' });
    expect(status).toBe(200);
    expect(body.data.products.totalCount).toBeGreaterThan(0);
  });
});
