import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEY_CHAIN_REPRESENTATIONS, KEY_CHAIN_SUBGRAPHS } from '../../fixtures/executor/key-chain-subgraphs.ts';
import { startFixtureGateway, type FixtureGateway } from '../../support/fixture-gateway.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';
import { postForParts } from '../../support/multipart-parts.ts';

/**
 * Entities reachable only through a chain of keys (key-chain-subgraphs.ts): catalog knows an
 * Item by `id`, registry translates `id` to `sku`, warehouse `sku` to the composite key on a
 * nested field `origin { country code }`, which pricing alone knows. Apollo's planner plans
 * these chains link by link; what was wrong was the answer where a link breaks: a null with
 * no error (Apollo Gateway's executor gives the same silent nulls). Here every such null
 * carries PRODUCT_ERROR at its path, saying which link broke.
 */
let mesh: FixtureGateway;
beforeAll(async () => {
  mesh = await startFixtureGateway(KEY_CHAIN_SUBGRAPHS);
});
afterAll(() => mesh?.close());
beforeEach(() => KEY_CHAIN_REPRESENTATIONS.clear());

const ask = async (query: string) => (await postGraphQL(mesh.gateway.url, { query })).body;
const errorsOf = (body: Awaited<ReturnType<typeof ask>>) => body.errors?.map((e) => [e.extensions?.code, e.path, e.message]);
const unresolved = (path: (string | number)[], field: string, why: string) => ['PRODUCT_ERROR', path, `Cannot resolve Item.${field}: ${why}.`];
/** Why a link after a broken one could not be asked. */
const brokenBefore = (broken: string, next: string) => `data product "${broken}" answered null for this Item, so data product "${next}" could not be asked for it (a key it needs is missing)`;

describe('a chain of keys, every link answering', () => {
  it('three products: catalog → registry (id → sku) → warehouse', async () => {
    const body = await ask('{ item(id: "i1") { id name stock inStock } }');
    expect(body).toMatchObject({ data: { item: { id: 'i1', name: 'kettle', stock: 4, inStock: true } } });
    expect(body.errors).toBeUndefined();
    // Each link was asked by the key the one before it translated to.
    expect(KEY_CHAIN_REPRESENTATIONS.get('registry')).toEqual([{ __typename: 'Item', id: 'i1' }]);
    expect(KEY_CHAIN_REPRESENTATIONS.get('warehouse')).toEqual([{ __typename: 'Item', sku: 'K-1' }]);
    expect(KEY_CHAIN_REPRESENTATIONS.get('pricing')).toBeUndefined();
  });

  it('four products, the last by a composite key on a nested field', async () => {
    const body = await ask('{ item(id: "i2") { name price currency origin { country code } } }');
    expect(body.data).toEqual({ item: { name: 'toaster', price: 25, currency: 'EUR', origin: { country: 'FR', code: '0002' } } });
    expect(body.errors).toBeUndefined();
    expect(KEY_CHAIN_REPRESENTATIONS.get('pricing')).toEqual([{ __typename: 'Item', origin: { country: 'FR', code: '0002' } }]);
  });
});

describe('a chain of keys that breaks: every null says where', () => {
  it('a list through three and four products: each broken link named at each field it leaves null', async () => {
    const body = await ask('{ items { id stock price } }');
    expect(body.data).toEqual({
      items: [
        { id: 'i1', stock: 4, price: 30 },
        { id: 'i2', stock: 0, price: 25 },
        { id: 'i3', stock: null, price: null },
        { id: 'i4', stock: null, price: null },
        { id: 'i5', stock: null, price: null },
        { id: 'i6', stock: 2, price: null },
      ],
    });
    // A product that answers null for an entity holds nothing for it: the fields it was asked
    // are null by its data (i4's and i5's stock, i6's price). The products after it in the
    // chain were never asked: those nulls carry the error.
    expect(errorsOf(body)).toEqual([
      // i3: registry does not know it, so neither warehouse nor pricing can be asked.
      unresolved(['items', 2, 'stock'], 'stock', brokenBefore('registry', 'warehouse')),
      unresolved(['items', 2, 'price'], 'price', brokenBefore('registry', 'warehouse')),
      // i4: registry has no sku for it (null): warehouse, whose only other key is further on, cannot be asked.
      unresolved(['items', 3, 'stock'], 'stock', 'data product "warehouse" could not be asked for it (its key field sku is null)'),
      unresolved(['items', 3, 'price'], 'price', 'data product "warehouse" could not be asked for it (its key field sku is null)'),
      // i5: warehouse does not know its sku.
      unresolved(['items', 4, 'price'], 'price', brokenBefore('warehouse', 'pricing')),
    ]);
    // A broken link stops the chain: no product after it is asked about that item.
    // Neither is a product asked with a null key (i4's sku).
    expect(KEY_CHAIN_REPRESENTATIONS.get('warehouse')).toEqual(['K-1', 'T-2', 'V-5', 'C-6'].map((sku) => ({ __typename: 'Item', sku })));
    expect(KEY_CHAIN_REPRESENTATIONS.get('pricing')).toEqual([
      { __typename: 'Item', origin: { country: 'DE', code: '0001' } },
      { __typename: 'Item', origin: { country: 'FR', code: '0002' } },
      { __typename: 'Item', origin: { country: 'NL', code: '0006' } },
    ]);
  });

  it('a non-null field behind a broken link: the item goes null, with the error where the null began', async () => {
    const body = await ask('{ items { id currency } }');
    expect(body.data).toEqual({ items: [{ id: 'i1', currency: 'EUR' }, { id: 'i2', currency: 'EUR' }, null, null, null, null] });
    expect(errorsOf(body)).toEqual([2, 3, 4, 5].map((i) => ['NULL_IN_NON_NULL_FIELD', ['items', i, 'currency'], 'Cannot return null for non-nullable field Item.currency.']));
  });

  it('a non-null root field: a nullable field broken is null with its error; a non-null one takes data with it', async () => {
    const nullable = await ask('{ itemNonNull(id: "i3") { name stock } }');
    expect(nullable.data).toEqual({ itemNonNull: { name: 'lamp', stock: null } });
    expect(errorsOf(nullable)).toEqual([unresolved(['itemNonNull', 'stock'], 'stock', brokenBefore('registry', 'warehouse'))]);

    const nonNull = await ask('{ itemNonNull(id: "i5") { name inStock } }');
    expect(nonNull.data).toBeNull();
    expect(errorsOf(nonNull)).toEqual([['NULL_IN_NON_NULL_FIELD', ['itemNonNull', 'inStock'], 'Cannot return null for non-nullable field Item.inStock.']]);
  });

  it('a link that fails with its own error: that error explains every null after it', async () => {
    // The whole `_entities` failed: the error is where Apollo Gateway places it too, under the entity.
    const body = await ask('{ item(id: "i7") { name stock price } }');
    expect(body.data).toEqual({ item: { name: 'rug', stock: null, price: null } });
    expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.product, e.path, e.message])).toEqual([
      ['PRODUCT_UNAVAILABLE', 'registry', ['item', '_entities'], 'the registry is being rebuilt'],
    ]);
    expect(KEY_CHAIN_REPRESENTATIONS.get('warehouse')).toBeUndefined();
  });

  it('nested: chains from a list and from an object of one answer, each null at its own path', async () => {
    const body = await ask('{ shelf { items { id price } top { id stock } } }');
    expect(body.data).toEqual({
      shelf: {
        items: [
          { id: 'i1', price: 30 },
          { id: 'i3', price: null },
        ],
        top: { id: 'i5', stock: null },
      },
    });
    // The top item's stock is null by warehouse's data (it answered null for i5): no error.
    expect(errorsOf(body)).toEqual([unresolved(['shelf', 'items', 1, 'price'], 'price', brokenBefore('registry', 'warehouse'))]);
  });

  it('with @defer: the deferred part carries the errors of the nulls it brings', async () => {
    const reader = await postForParts(mesh.gateway.url, { query: '{ items { id ... @defer(label: "stock") { stock } } }' });
    const [first, ...rest] = await reader.rest();
    expect(first).toMatchObject({ data: { items: ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'].map((id) => ({ id })) }, hasNext: true });
    expect(first.errors).toBeUndefined();
    const incremental = rest.flatMap((part) => part.incremental ?? []);
    const stocks = incremental.map((item: { path: (string | number)[]; data: { stock: number | null } }) => [item.path, item.data.stock]);
    expect(stocks).toEqual([
      [['items', 0], 4],
      [['items', 1], 0],
      [['items', 2], null],
      [['items', 3], null],
      [['items', 4], null],
      [['items', 5], 2],
    ]);
    expect(
      incremental.flatMap((item: { errors?: { path: unknown; message: string; extensions: { code: string } }[] }) => (item.errors ?? []).map((e) => [e.extensions.code, e.path, e.message])),
    ).toEqual([
      unresolved(['items', 2, 'stock'], 'stock', brokenBefore('registry', 'warehouse')),
      unresolved(['items', 3, 'stock'], 'stock', 'data product "warehouse" could not be asked for it (its key field sku is null)'),
    ]);
  });
});

describe('a broken chain as a production client reads it (error details masked)', () => {
  let masked: FixtureGateway;
  beforeAll(async () => {
    masked = await startFixtureGateway(KEY_CHAIN_SUBGRAPHS, { exposeErrorDetails: false });
  });
  afterAll(() => masked?.close());

  it("says a data product could not complete the field, not 'Unexpected error.', and names no key", async () => {
    const body = (await postGraphQL(masked.gateway.url, { query: '{ items { id stock price } }' })).body;
    const gatewayFindings = body.errors!.filter((e) => e.extensions?.code === 'PRODUCT_ERROR' && e.extensions?.product === undefined);
    expect(gatewayFindings.length).toBeGreaterThan(0);
    for (const error of gatewayFindings) {
      expect(error.message).toBe('No data product could complete this part of the query.');
      expect(error.path?.[0]).toBe('items');
    }
  });
});
