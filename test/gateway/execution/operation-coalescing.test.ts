import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../../gateway/gateway-context.ts';
import { ExecutionSharing } from '../../../gateway/execution/execution-sharing.ts';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import { HoldingProxy } from '../../support/holding-proxy.ts';
import { until } from '../../support/until.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * Inbound request coalescing through the real gateway. catalog sits behind a proxy that
 * holds every fetch until the test releases it, so the test knows exactly which requests
 * were in flight together, and counts what really reached the product.
 */
let mesh: MeshHarness;
let proxy: HoldingProxy;

const CATEGORIES = '{ categories { category productCount } }';
const PRODUCT = 'query One($sku: ID!) { product(sku: $sku) { sku name } }';

beforeAll(async () => {
  mesh = await startWorkerMesh();
  proxy = await HoldingProxy.start(mesh.products.catalog!.running.url);
});
afterAll(async () => {
  proxy?.close();
  await mesh?.close();
});
beforeEach(() => proxy.reset());

const joined = async (gateway: RunningGateway) => (await gateway.metrics.coalescedRequests.get()).values[0]?.value ?? 0;

async function withGateway(
  config: Parameters<typeof startGatewayOn>[1],
  body: (gateway: RunningGateway, post: (query: string, variables?: object, headers?: Record<string, string>) => ReturnType<typeof postGraphQL>) => Promise<void>,
) {
  const gateway = await startGatewayOn(mesh, { supergraph: { file: 'schema/supergraph.graphql' }, ...config, subgraphUrls: { catalog: proxy.url } });
  try {
    await body(gateway, (query, variables, headers = {}) => postGraphQL(gateway.url, { query, variables }, headers));
  } finally {
    proxy.releaseAll();
    await gateway.close();
  }
}

describe('identical queries in flight together', () => {
  it('share one execution: the product is fetched once, and every caller gets the answer with its own request id and product signals', async () => {
    await withGateway({}, async (gateway, post) => {
      const answers = Array.from({ length: 5 }, () => post(CATEGORIES));
      await until(async () => proxy.held.length === 1 && (await joined(gateway)) === 4);
      proxy.held[0]!.release();
      const results = await Promise.all(answers);

      expect(proxy.received).toBe(1);
      for (const result of results) {
        expect(result.status).toBe(200);
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data).toEqual(results[0]!.body.data);
        expect(result.body.extensions?.dataProducts).toEqual([expect.objectContaining({ name: 'catalog', version: expect.any(String) })]);
      }
      expect(results[0]!.body.data.categories.length).toBeGreaterThan(0);
      expect(new Set(results.map((r) => r.headers.get('x-request-id'))).size).toBe(5);
      expect(await gateway.metrics.exposition().then((m) => m.text)).toMatch(/^meshgate_coalesced_requests_total 4$/m);
    });
  });

  it('a failed execution fails every caller that joined it, each error under its own request id, and the next request fetches afresh', async () => {
    await withGateway({}, async (gateway, post) => {
      const answers = Array.from({ length: 3 }, () => post(CATEGORIES));
      await until(async () => proxy.held.length === 1 && (await joined(gateway)) === 2);
      proxy.held[0]!.fail(500);
      const results = await Promise.all(answers);
      const requestIds = results.map((result) => {
        expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'PRODUCT_ERROR', product: 'catalog' });
        expect(result.body.errors?.[0]?.extensions?.requestId).toBe(result.headers.get('x-request-id'));
        return result.body.errors?.[0]?.extensions?.requestId;
      });
      expect(new Set(requestIds).size).toBe(3);
      expect(proxy.received).toBe(1);

      const next = post(CATEGORIES);
      await until(() => proxy.held.length === 2);
      proxy.held[1]!.release();
      expect((await next).body.data.categories.length).toBeGreaterThan(0);
      expect(proxy.received).toBe(2);
    });
  });
});

describe('what never shares an execution', () => {
  it('queries with different variables', async () => {
    await withGateway({}, async (gateway, post) => {
      const answers = [post(PRODUCT, { sku: 'SKU-0001' }), post(PRODUCT, { sku: 'SKU-0002' })];
      await until(() => proxy.held.length === 2);
      proxy.releaseAll();
      const [first, second] = await Promise.all(answers);
      expect(first!.body.data.product.sku).toBe('SKU-0001');
      expect(second!.body.data.product.sku).toBe('SKU-0002');
      expect(await joined(gateway)).toBe(0);
    });
  });

  it('the same query from callers with different scopes: a field one may not read never reaches the other through a shared answer', async () => {
    const sales = await HoldingProxy.start(mesh.products.sales!.running.url);
    const gateway = await startGatewayOn(mesh, { supergraph: { file: 'schema/supergraph.graphql' }, auth: mesh.auth, subgraphUrls: { sales: sales.url } });
    try {
      const [finance, noFinance] = await Promise.all([mesh.token({ scope: 'finance:read' }), mesh.token({ scope: '' })]);
      const ORDERS = '{ orders(first: 2) { edges { node { id total } } } }';
      const allowed = postGraphQL(gateway.url, { query: ORDERS }, { authorization: `Bearer ${finance}` });
      await until(() => sales.held.length === 1);
      const denied = postGraphQL(gateway.url, { query: ORDERS }, { authorization: `Bearer ${noFinance}` });
      await until(() => sales.held.length === 2);
      sales.releaseAll();
      const [a, d] = await Promise.all([allowed, denied]);
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data.orders.edges.map((e: { node: { total: number } }) => typeof e.node.total)).toEqual(['number', 'number']);
      // Order.total is non-null, so the denial nulls its way up to the root.
      expect(d.body.data).toBeNull();
      expect(d.body.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN_FIELD');
      expect(await joined(gateway)).toBe(0);
    } finally {
      sales.close();
      await gateway.close();
    }
  });

  it('anything when coalescing is switched off', async () => {
    await withGateway({ coalesceQueries: false, transport: { dedupe: false } }, async (gateway, post) => {
      const answers = Array.from({ length: 3 }, () => post(CATEGORIES));
      await until(() => proxy.held.length === 3);
      proxy.releaseAll();
      await Promise.all(answers);
      expect(proxy.received).toBe(3);
      expect(await joined(gateway)).toBe(0);
    });
  });

  it('mutations', async () => {
    // The demo mesh has no mutations: the executor is driven directly with two requests held together.
    const coalescer = new ExecutionSharing();
    let executions = 0;
    const release: (() => void)[] = [];
    const executor = coalescer.wrap(async () => {
      executions++;
      await new Promise<void>((resolve) => release.push(resolve));
      return { data: { ok: true } };
    });
    const schema = {};
    const request = (source: string, context: Partial<GatewayContext> = {}) => {
      const document = parse(source);
      return executor({
        schema,
        queryHash: source,
        operationName: null,
        operation: document.definitions[0],
        request: { variables: {} },
        context: { headers: {}, principal: { authenticated: false, subject: null, scopes: new Set(), client: { name: null, version: null } }, answeredBy: new Map(), ...context },
      } as never);
    };
    const runs = [request('mutation { touch }'), request('mutation { touch }'), request('{ plain }'), request('{ plain }')];
    await until(() => release.length === 3);
    for (const resolve of release) resolve();
    await Promise.all(runs);
    expect(executions).toBe(3);
    expect(coalescer.inFlight).toBe(0);
  });
});
