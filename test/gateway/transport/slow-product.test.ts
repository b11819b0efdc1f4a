import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * A product that is slow, not down: it accepts every request and never answers. With the
 * default breaker (5 failed fetches) and retries (2), callers must learn that it timed out,
 * even when the breaker opens while their retries are under way.
 */
let slow: Server;
let hits = 0;
let mesh: MeshHarness;

beforeAll(async () => {
  slow = createServer((req) => {
    req.resume();
    hits++;
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`;
  // Only the timeout is shortened; breaker and retries keep their defaults.
  mesh = await startWorkerMesh({ subgraphUrls: { catalog: url }, transport: { products: { catalog: { timeoutMs: 300 } } } });
});
afterAll(async () => {
  await mesh?.close();
  slow?.closeAllConnections();
  await new Promise<void>((resolve) => (slow ? slow.close(() => resolve()) : resolve()));
});

describe('a slow product under the default breaker and retries', () => {
  it('is reported as PRODUCT_TIMEOUT to every caller whose fetch went out, then the open breaker fails fast', async () => {
    // Distinct documents, so no two fetches share one request: eight fetches, eight failures.
    const skus = Array.from({ length: 8 }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);
    const results = await Promise.all(skus.map((sku) => mesh.query(`{ product(sku: "${sku}") { name } customer(id: "C00001") { id } }`)));
    for (const result of results) {
      expect(result.body.data.customer).toEqual({ id: 'C00001' });
      expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_TIMEOUT', product: 'catalog' });
    }
    // Each fetch was retried: a fetch and its retries count once toward the breaker.
    expect(hits).toBeGreaterThan(skus.length);

    // Now the breaker is open: a new caller is told at once that the product is unavailable.
    const before = hits;
    const failFast = await mesh.query('{ product(sku: "SKU-0100") { name } }');
    expect(failFast.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'catalog', breaker: 'open' });
    expect(hits).toBe(before);
  });
});
