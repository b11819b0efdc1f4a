import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Preview fields must not appear in any introspection answer to a caller who has not opted
 * in, however the operation asks: beside data, through a root fragment, under an alias,
 * through `__schema` as well as `__type`. Each shape is asked twice: without the opt-in it
 * must not name the preview field, with it it must (so the check cannot pass vacuously).
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh();
});
afterAll(async () => {
  await mesh?.close();
});

const PREVIEW_FIELD = 'sustainabilityScore';
const PREVIEW = { 'x-meshgate-preview': 'true' };

const SHAPES: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  { name: '__type beside data', query: '{ __type(name: "Product") { fields { name } } products(first: 1) { totalCount } }' },
  { name: '__type under an alias, beside data', query: '{ t: __type(name: "Product") { fields { name } } products(first: 1) { totalCount } }' },
  { name: '__type in a root fragment, alone', query: 'query { ...Intro } fragment Intro on Query { __type(name: "Product") { fields { name } } }' },
  {
    name: '__type in a root fragment, beside data',
    query: 'query { ...Intro products(first: 1) { totalCount } } fragment Intro on Query { product: __type(name: "Product") { fields { name } } }',
  },
  { name: '__schema in an inline fragment, beside data', query: '{ ... on Query { __schema { types { name fields { name } } } } products(first: 1) { totalCount } }' },
  {
    name: '__schema in a nested fragment, with @include, beside data',
    query:
      'query ($on: Boolean!) { ...Outer products(first: 1) { totalCount } } fragment Outer on Query { ...Inner } fragment Inner on Query { s: __schema @include(if: $on) { types { fields { name } } } }',
    variables: { on: true },
  },
];

describe('introspection without the preview opt-in', () => {
  for (const shape of SHAPES) {
    it(`leaves the preview field out of ${shape.name}, and the data in`, async () => {
      const hidden = await mesh.query(shape.query, shape.variables);
      expect(hidden.status).toBe(200);
      expect(hidden.body.errors).toBeUndefined();
      const text = JSON.stringify(hidden.body.data);
      expect(text).not.toContain(PREVIEW_FIELD);
      expect(text).toContain('listPrice');
      if (shape.query.includes('products(')) expect(hidden.body.data.products.totalCount).toBeGreaterThan(0);

      const shown = await mesh.query(shape.query, shape.variables, PREVIEW);
      expect(shown.body.errors).toBeUndefined();
      expect(JSON.stringify(shown.body.data)).toContain(PREVIEW_FIELD);
      // Apart from the preview field, the two answers are the same.
      expect(JSON.stringify(shown.body.data).replaceAll(`{"name":"${PREVIEW_FIELD}"},`, '').replaceAll(`,{"name":"${PREVIEW_FIELD}"}`, '')).toBe(text);
    });
  }

  it('still refuses the preview field itself with PREVIEW_FIELD_NOT_ENABLED beside introspection', async () => {
    const result = await mesh.query(`{ __type(name: "Product") { name } product(sku: "SKU-0001") { ${PREVIEW_FIELD} } }`);
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['PREVIEW_FIELD_NOT_ENABLED']);
  });

  it('answers identical concurrent callers each by their own opt-in (coalesced executions are not shared across it)', async () => {
    const query = SHAPES[0]!.query;
    const [hidden, shown] = await Promise.all([mesh.query(query), mesh.query(query, undefined, PREVIEW)]);
    expect(JSON.stringify(hidden.body.data)).not.toContain(PREVIEW_FIELD);
    expect(JSON.stringify(shown.body.data)).toContain(PREVIEW_FIELD);
  });
});
