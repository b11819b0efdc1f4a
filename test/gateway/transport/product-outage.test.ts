import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh, type MeshHarness } from '../../support/mesh-harness.ts';

/**
 * A product killed mid-test: queries that need it get partial data and an error naming it,
 * queries that do not need it are untouched, its breaker opens and fails fast without
 * reaching it, and a probe closes the breaker once it is back.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startMesh({
    transport: {
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
      // Long enough that the product restarted below is still behind an open breaker.
      breaker: { failureThreshold: 3, openMs: 4000 },
    },
  });
});
afterAll(async () => {
  await mesh?.close();
});

const NEEDS_SALES = '{ customer(id: "C00042") { name } order(id: "O002467") { id status } }';

describe('sales goes down, then comes back', () => {
  it('serves partial data, opens the breaker, fails fast, and recovers', async () => {
    const healthy = await mesh.query(NEEDS_SALES);
    expect(healthy.body.errors).toBeUndefined();
    expect(healthy.body.data.order).toEqual({ id: 'O002467', status: 'DELIVERED' });

    const sales = mesh.products.sales!;
    const port = sales.running.port;
    await sales.running.close();

    const partial = await mesh.query(NEEDS_SALES);
    expect(partial.status).toBe(200);
    expect(partial.body.data).toEqual({ customer: { name: 'Tara Eriksen' }, order: null });
    expect(partial.body.errors).toHaveLength(1);
    expect(partial.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'sales' });
    // Nothing about the product's address reaches the client.
    expect(JSON.stringify(partial.body.errors)).not.toContain(String(port));

    const unaffected = await mesh.query('{ product(sku: "SKU-0001") { name } customer(id: "C00001") { id } }');
    expect(unaffected.body.errors).toBeUndefined();
    expect(unaffected.body.data.product.name).toBe('Eco Turntable');

    // The breaker counts failed fetches, a fetch and its retry once: the third query reaches the threshold of 3.
    const second = await mesh.query(NEEDS_SALES);
    expect(second.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'sales' });
    const notYetOpen: any = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'ready'))).json();
    expect(notYetOpen.products.sales.state).not.toBe('breaker-open');
    const third = await mesh.query(NEEDS_SALES);
    expect(third.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'sales' });
    const ready: any = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'ready'))).json();
    expect(ready.products.sales.state).toBe('breaker-open');

    // Back on the same port, but the breaker is still open: the gateway does not call it.
    sales.running = await sales.product.listen({ port });
    mesh.clearQueryLogs();
    const failFast = await mesh.query(NEEDS_SALES);
    expect(failFast.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'sales', breaker: 'open' });
    expect(failFast.body.data.customer).toEqual({ name: 'Tara Eriksen' });
    const scrape = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'metrics'))).text();
    expect(scrape).toMatch(/meshgate_product_breaker_state\{product="sales"\} 2/);
    expect(mesh.statements('sales')).toHaveLength(0);

    // Once the breaker lets a probe through, the product serves again.
    let recovered = failFast;
    for (let i = 0; i < 100 && recovered.body.errors; i++) {
      await sleep(100);
      recovered = await mesh.query(NEEDS_SALES);
    }
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data.order).toEqual({ id: 'O002467', status: 'DELIVERED' });
    expect(mesh.statements('sales').length).toBeGreaterThan(0);
    const readyAgain: any = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'ready'))).json();
    expect(readyAgain.products.sales.state).toBe('up');
  });
});
