import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HoldingProxy } from '../../support/holding-proxy.ts';
import { closeProducts, startGatewayFor, startProducts, type MeshHarness } from '../../support/mesh-harness.ts';
import { postForParts } from '../../support/multipart-parts.ts';

/**
 * @defer through the real gateway and the demo products, with the slowest aggregate (sales'
 * revenue by category) deferred. sales sits behind a proxy that holds its fetches, so the
 * test sees the first part arrive while the deferred one is still being fetched.
 */
let mesh: MeshHarness;
let proxy: HoldingProxy;

const RANGE = 'from: "2000-01-01", to: "2999-12-31"';
const DASHBOARD = `{ categories { category productCount } ... @defer(label: "revenue") { revenueByCategory(${RANGE}) { category orderCount } } }`;

beforeAll(async () => {
  const products = await startProducts();
  proxy = await HoldingProxy.start(products.sales!.running.url);
  mesh = await startGatewayFor(products, { subgraphUrls: { sales: proxy.url } }, {}, () => closeProducts(products));
});
afterAll(async () => {
  proxy?.releaseAll();
  proxy?.close();
  await mesh?.close();
});
beforeEach(() => {
  proxy.releaseAll();
  proxy.reset();
});

const analyst = async () => ({ authorization: `Bearer ${await mesh.token({ scope: 'pii:read finance:read' })}` });

/** Until sales is being asked (and held): the request may already be there. */
async function salesHeld(): Promise<void> {
  for (let i = 0; i < 1000 && proxy.held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(proxy.held.length).toBeGreaterThan(0);
}

async function releaseWhenAsked(): Promise<void> {
  await salesHeld();
  proxy.releaseAll();
}

describe('@defer over multipart HTTP', () => {
  it('answers the first part while the deferred aggregate is still fetched, then delivers it with its path and label', async () => {
    const reader = await postForParts(mesh.gateway.url, { query: DASHBOARD }, await analyst());
    expect(reader.status).toBe(200);
    expect(reader.headers.get('content-type')).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    await salesHeld();
    const first = await reader.next();
    expect(first.hasNext).toBe(true);
    expect(first.data.categories.length).toBeGreaterThan(0);
    expect(first.data).not.toHaveProperty('revenueByCategory');
    expect(first.extensions.dataProducts.map((p: { name: string }) => p.name)).toEqual(['catalog']);
    proxy.releaseAll();
    const rest = await reader.rest();
    expect(rest).toHaveLength(1);
    expect(rest[0].hasNext).toBe(false);
    expect(rest[0].incremental).toHaveLength(1);
    const [part] = rest[0].incremental;
    expect(part.path).toEqual([]);
    expect(part.label).toBe('revenue');
    expect(part.errors).toBeUndefined();
    expect(rest[0].extensions.dataProducts.map((p: { name: string }) => p.name)).toEqual(['sales']);
    // The same data as the operation without @defer, in one piece.
    const whole = mesh.query(`{ revenueByCategory(${RANGE}) { category orderCount } }`, undefined, await analyst());
    await releaseWhenAsked();
    expect(part.data).toEqual((await whole).body.data);
  });

  it("delivers a fragment deferred inside a list once per element, at each element's path", async () => {
    const query = '{ orders(first: 2) { edges { node { id ... @defer { status customer { id } } } } } }';
    // sales answers the first part and the deferred one: every fetch it is asked for is let go.
    const releasing = setInterval(() => proxy.releaseAll(), 5);
    const parts = await (await postForParts(mesh.gateway.url, { query }, await analyst())).rest().finally(() => clearInterval(releasing));
    expect(parts[0].data.orders.edges).toHaveLength(2);
    expect(parts[0].data.orders.edges[0].node).toEqual({ id: expect.any(String) });
    const incremental = parts.slice(1).flatMap((p) => p.incremental ?? []);
    expect(incremental.map((p) => p.path)).toEqual([
      ['orders', 'edges', 0, 'node'],
      ['orders', 'edges', 1, 'node'],
    ]);
    expect(incremental[0].data).toEqual({ status: expect.any(String), customer: { id: expect.any(String) } });
    // Each part names the products that answered it, and only those.
    const names = (part: { extensions: { dataProducts: { name: string }[] } }) => part.extensions.dataProducts.map((p) => p.name).sort();
    expect(names(parts[0])).toEqual(['sales']);
    expect(names(parts.at(-1))).toEqual(['sales']);
    expect(parts.at(-1).hasNext).toBe(false);
  });

  it('delivers a @defer nested in another after it, each with its label and path, the last with hasNext false', async () => {
    const query = '{ orders(first: 1) { edges { node { id ... @defer(label: "outer") { status customer { id ... @defer(label: "inner") { segment } } } } } } }';
    const releasing = setInterval(() => proxy.releaseAll(), 5);
    const parts = await (await postForParts(mesh.gateway.url, { query }, await analyst())).rest().finally(() => clearInterval(releasing));
    const incremental = parts.slice(1).flatMap((p) => p.incremental ?? []);
    expect(incremental.map((p) => [p.label, p.path, Object.keys(p.data)])).toEqual([
      ['outer', ['orders', 'edges', 0, 'node'], ['status', 'customer']],
      ['inner', ['orders', 'edges', 0, 'node', 'customer'], ['segment']],
    ]);
    expect(parts.map((p) => p.hasNext)).toEqual([true, true, false]);
    expect(parts.map((p) => p.extensions.dataProducts.map((d: { name: string }) => d.name))).toEqual([['sales'], ['sales'], ['customers']]);
  });

  it('@defer(if: $variable) defers by the variable, its default included', async () => {
    const query = 'query Later($later: Boolean! = true) { categories { category } ... @defer(if: $later, label: "count") { products(first: 1) { totalCount } } }';
    const deferred = await (await postForParts(mesh.gateway.url, { query })).rest();
    expect(deferred.map((p) => p.hasNext)).toEqual([true, false]);
    expect(deferred[0].data).not.toHaveProperty('products');
    expect(deferred[1].incremental[0]).toMatchObject({ label: 'count', path: [], data: { products: { totalCount: expect.any(Number) } } });
    const inline = await (await postForParts(mesh.gateway.url, { query, variables: { later: false } })).rest();
    expect(inline).toHaveLength(1);
    expect(inline[0].data.products.totalCount).toBe(deferred[1].incremental[0].data.products.totalCount);
  });

  it('applies access rules inside the deferred part: an anonymous caller gets its FORBIDDEN_FIELD there, and no product is asked for the field', async () => {
    // Order.total is confidential (finance:read); an anonymous caller may read the order's status.
    const query = '{ orders(first: 1) { edges { node { id ... @defer(label: "money") { status total } } } } }';
    mesh.clearQueryLogs();
    const releasing = setInterval(() => proxy.releaseAll(), 5);
    const reader = await postForParts(mesh.gateway.url, { query }, {});
    const [first, second] = await reader.rest().finally(() => clearInterval(releasing));
    expect(first.errors).toBeUndefined();
    expect(first.data.orders.edges[0].node).toEqual({ id: expect.any(String) });
    const [part] = second.incremental;
    expect(part.label).toBe('money');
    expect(part.path).toEqual(['orders', 'edges', 0, 'node']);
    // total is non-null: its null takes the fragment's data, and only this part's.
    expect(part.data).toBeNull();
    expect(part.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['FORBIDDEN_FIELD']);
    expect(part.errors[0].path).toEqual(['orders', 'edges', 0, 'node', 'total']);
    expect(part.errors[0].extensions.requestId).toBe(reader.headers.get('x-request-id'));
    expect(mesh.fetches('sales').join('\n')).not.toMatch(/\btotal\b/);
  });

  it('keeps a product failure inside the deferred part: the first part is whole, the part carries the masked error', async () => {
    const productErrors = async () => (await mesh.gateway.metrics.errors.get()).values.find((v) => v.labels.code === 'PRODUCT_ERROR')?.value ?? 0;
    const before = await productErrors();
    const reader = await postForParts(mesh.gateway.url, { query: DASHBOARD }, await analyst());
    await salesHeld();
    const first = await reader.next();
    expect(first.errors).toBeUndefined();
    expect(first.data.categories.length).toBeGreaterThan(0);
    // sales fails every time it is asked (the transport's retries included).
    const failing = setInterval(() => {
      for (const held of proxy.held.splice(0)) held.fail(500);
    }, 5);
    const [last] = await reader.rest().finally(() => clearInterval(failing));
    expect(last.hasNext).toBe(false);
    const [part] = last.incremental;
    expect(part.data).toBeNull();
    expect(part.errors[0].extensions).toMatchObject({ code: 'PRODUCT_ERROR', product: 'sales' });
    expect(part.errors[0].message).not.toContain('upstream broke');
    // Counted as every error the client receives is.
    expect((await productErrors()) - before).toBe(part.errors.length);
  });

  it('refuses @defer with DEFER_NOT_ACCEPTABLE (406) to a client that does not read multipart, as Apollo Router does; without @defer it answers as ever', async () => {
    const refused = await mesh.query(DASHBOARD, undefined, { ...(await analyst()), accept: 'application/json' });
    expect(refused.status).toBe(406);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('DEFER_NOT_ACCEPTABLE');
    expect(proxy.received).toBe(0);
    const plain = await postForParts(mesh.gateway.url, { query: '{ categories { category } }' }, {});
    expect(plain.headers.get('content-type')).toContain('application/json');
    expect((await plain.next()).data.categories.length).toBeGreaterThan(0);
  });
});
