import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERFACE_OBJECT_SUBGRAPHS } from '../../fixtures/executor/key-chain-subgraphs.ts';
import { startFixtureGateway, type FixtureGateway } from '../../support/fixture-gateway.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';
import { postForParts } from '../../support/multipart-parts.ts';

/**
 * @interfaceObject objects with and without a product that names their concrete type
 * (key-chain-subgraphs.ts): `labels` adds `label` to every `Node` and serves Nodes of its
 * own; `shapes` owns the interface and knows n1 (a Circle) and n2 (a Square), never n9.
 * The interface's own fields are answered whatever the concrete type; where the answer
 * needs the concrete type and no product names it, the client is told, at the object's
 * path: never `{ "node": null }` or a fragment dropped in silence.
 */
let mesh: FixtureGateway;
beforeAll(async () => {
  mesh = await startFixtureGateway(INTERFACE_OBJECT_SUBGRAPHS);
});
afterAll(() => mesh?.close());

const ask = async (query: string) => (await postGraphQL(mesh.gateway.url, { query })).body;
const errorsOf = (body: Awaited<ReturnType<typeof ask>>) => body.errors?.map((e) => [e.extensions?.code, e.path, e.message]);
/** The error for n9, an object of the interface no product could name the concrete type of. */
const NO_TYPE = 'No data product named the concrete type of this Node: data product "shapes" answered null for this Node';
const noType = (path: (string | number)[]) => ['PRODUCT_ERROR', path, `${NO_TYPE}.`];
const fragmentsLeftOut = (path: (string | number)[]) => ['PRODUCT_ERROR', path, `${NO_TYPE} (its fragments on other types are left out).`];

describe('an @interfaceObject whose concrete type a product names', () => {
  it('answers every field, its own, the interface product’s and its type’s', async () => {
    const body = await ask('{ node(id: "n1") { __typename id size label ... on Circle { radius } ... on Square { side } } }');
    expect(body.data).toEqual({ node: { __typename: 'Circle', id: 'n1', size: 3, label: 'round', radius: 3 } });
    expect(body.errors).toBeUndefined();
  });
});

describe('an @interfaceObject no product names the concrete type of', () => {
  it('the interface object’s own fields need no concrete type: answered, no error', async () => {
    const body = await ask('{ node(id: "n9") { id label } }');
    expect(body.data).toEqual({ node: { id: 'n9', label: 'orphan' } });
    expect(body.errors).toBeUndefined();
  });

  it('a field of the interface the owning product serves: null, and the error says the owner could not name its type', async () => {
    const body = await ask('{ node(id: "n9") { id size } }');
    expect(body.data).toEqual({ node: { id: 'n9', size: null } });
    expect(errorsOf(body)).toEqual([noType(['node', 'size'])]);
  });

  it('__typename on a nullable field: the object is null, with its error', async () => {
    const body = await ask('{ node(id: "n9") { __typename id } }');
    expect(body.data).toEqual({ node: null });
    expect(errorsOf(body)).toEqual([noType(['node'])]);
  });

  it('__typename on a non-null field: the null reaches the root, one error', async () => {
    const body = await ask('{ nodeNonNull(id: "n9") { __typename id } }');
    expect(body.data).toBeNull();
    expect(errorsOf(body)).toEqual([noType(['nodeNonNull'])]);
  });

  it('a fragment on an implementation: left out, as Apollo Gateway does, and said so', async () => {
    const body = await ask('{ node(id: "n9") { id ... on Circle { radius } } }');
    expect(body.data).toEqual({ node: { id: 'n9' } });
    expect(errorsOf(body)).toEqual([fragmentsLeftOut(['node'])]);
  });

  it('in a list of nullable items: that item is null, the others answered', async () => {
    const body = await ask('{ nodes(ids: ["n1", "n9", "n2"]) { __typename id } }');
    expect(body.data).toEqual({
      nodes: [{ __typename: 'Circle', id: 'n1' }, null, { __typename: 'Square', id: 'n2' }],
    });
    expect(errorsOf(body)).toEqual([noType(['nodes', 1])]);
  });

  it('in a non-null list of non-null items under a non-null field: data is null, one error at the item', async () => {
    const body = await ask('{ nodesNonNull(ids: ["n1", "n9"]) { __typename id } }');
    expect(body.data).toBeNull();
    expect(errorsOf(body)).toEqual([noType(['nodesNonNull', 1])]);
  });

  it('nested, reached through _entities: each at its own path, the rest answered', async () => {
    const body = await ask('{ board { pinned { __typename id } first { id label size } } }');
    expect(body.data).toEqual({ board: { pinned: null, first: { id: 'n9', label: 'orphan', size: null } } });
    expect(errorsOf(body)).toEqual([noType(['board', 'pinned', 1]), noType(['board', 'first', 'size'])]);
  });

  it('in a deferred fragment: the part that brings the null brings its error', async () => {
    const reader = await postForParts(mesh.gateway.url, { query: '{ nodes(ids: ["n1", "n9"]) { id ... @defer(label: "kind") { __typename } } }' });
    const [first, ...rest] = await reader.rest();
    expect(first).toMatchObject({ data: { nodes: [{ id: 'n1' }, { id: 'n9' }] }, hasNext: true });
    expect(first.errors).toBeUndefined();
    const incremental = rest.flatMap((part) => part.incremental ?? []);
    expect(incremental.map((item: { path: unknown; data: unknown }) => [item.path, item.data])).toEqual([
      [['nodes', 0], { __typename: 'Circle' }],
      [['nodes', 1], null],
    ]);
    expect(
      incremental.flatMap((item: { errors?: { path: unknown; message: string; extensions: { code: string } }[] }) => (item.errors ?? []).map((e) => [e.extensions.code, e.path, e.message])),
    ).toEqual([noType(['nodes', 1])]);
  });
});
