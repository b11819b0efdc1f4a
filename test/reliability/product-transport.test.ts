import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * The transport against a misbehaving product: a real HTTP server standing where catalog
 * should be, answering the way broken products and proxies do.
 */
type Misbehaviour = 'graphql-error-400' | 'html-502' | 'stall';
let behaviour: Misbehaviour = 'graphql-error-400';
let hits = 0;
let impostor: Server;
let mesh: MeshHarness;

async function readAll(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

beforeAll(async () => {
  impostor = createServer(async (req, res) => {
    await readAll(req);
    hits++;
    switch (behaviour) {
      case 'graphql-error-400':
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: '"first" must be at most 100', extensions: { code: 'PAGE_SIZE_EXCEEDED', product: 'catalog' } }] }));
        return;
      case 'html-502':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>upstream catalog-7f9c.internal:8080 is down</html>');
        return;
      case 'stall':
        return; // never answers
    }
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}/graphql`;
  mesh = await startMesh({
    subgraphUrls: { catalog: url },
    transport: { products: { catalog: { timeoutMs: 300, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 }, breaker: { failureThreshold: 1000 } } } },
  });
});
afterAll(async () => {
  await mesh?.close();
  impostor?.closeAllConnections();
  await new Promise<void>((resolve) => (impostor ? impostor.close(() => resolve()) : resolve()));
});

const QUERY = '{ product(sku: "SKU-0001") { name } customer(id: "C00001") { id } }';

describe('a product answering badly', () => {
  it('passes a GraphQL error body on a non-2xx status through with its code, not as INTERNAL_SERVER_ERROR', async () => {
    behaviour = 'graphql-error-400';
    hits = 0;
    const result = await mesh.query(QUERY);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ product: null, customer: { id: 'C00001' } });
    expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'PAGE_SIZE_EXCEEDED', product: 'catalog' });
    // An answer is not a transport failure: no retry.
    expect(hits).toBe(1);
  });

  it('turns a proxy error page into PRODUCT_UNAVAILABLE without leaking it, after retrying the query', async () => {
    behaviour = 'html-502';
    hits = 0;
    const result = await mesh.query(QUERY);
    expect(result.body.data.customer).toEqual({ id: 'C00001' });
    expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', product: 'catalog' });
    expect(JSON.stringify(result.body)).not.toMatch(/upstream|<html|catalog-7f9c|127\.0\.0\.1/);
    expect(hits).toBe(3);
  });

  it('gives up on a product that does not answer with PRODUCT_TIMEOUT', async () => {
    behaviour = 'stall';
    hits = 0;
    const result = await mesh.query(QUERY);
    expect(result.body.data.customer).toEqual({ id: 'C00001' });
    expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'PRODUCT_TIMEOUT', product: 'catalog' });
    expect(hits).toBe(3);
  });
});
