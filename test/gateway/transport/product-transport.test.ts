import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * The transport against a misbehaving product: a real HTTP server standing where catalog
 * should be, answering the way broken products and proxies do.
 */
type Misbehaviour = 'graphql-error-400' | 'html-502' | 'stall' | 'html-200' | 'refused-401' | 'cacheable' | 'cacheable-briefly';
let behaviour: Misbehaviour = 'graphql-error-400';
let hits = 0;
/** The last request body the impostor received, as bytes on the wire. */
let lastBody = '';
let impostor: Server;
let mesh: MeshHarness;

async function readAll(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

beforeAll(async () => {
  impostor = createServer(async (req, res) => {
    lastBody = await readAll(req);
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
      case 'html-200':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>catalog-7f9c.internal maintenance page</html>');
        return;
      case 'refused-401':
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'Request signature does not match the request', extensions: { code: 'SIGNATURE_INVALID' } }] }));
        return;
      case 'cacheable':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60, public' });
        res.end(JSON.stringify({ data: { product: { name: 'Eco Turntable' } } }));
        return;
      case 'cacheable-briefly':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5, private' });
        res.end(JSON.stringify({ data: { product: { name: 'Eco Turntable' } } }));
        return;
    }
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}/graphql`;
  mesh = await startWorkerMesh({
    subgraphUrls: { catalog: url },
    // Long enough that an immediate answer never times out on a loaded machine (a retry would
    // be counted as a hit); the stalling product costs three of these.
    transport: { products: { catalog: { timeoutMs: 1_500, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 }, breaker: { failureThreshold: 1000 } } } },
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

  // What the client gets when the product gives no answer: a code naming the product, the
  // rest of the data, nothing of what the product sent, and retries for transient failures.
  const failures: { name: string; behaviour: Misbehaviour; code: string; hits: number; hidden?: RegExp }[] = [
    {
      name: 'turns a proxy error page into PRODUCT_UNAVAILABLE without leaking it, after retrying the query',
      behaviour: 'html-502',
      code: 'PRODUCT_UNAVAILABLE',
      hits: 3,
      hidden: /upstream|<html|catalog-7f9c|127\.0\.0\.1/,
    },
    { name: 'gives up on a product that does not answer with PRODUCT_TIMEOUT', behaviour: 'stall', code: 'PRODUCT_TIMEOUT', hits: 3 },
    {
      name: 'treats a 2xx that is not GraphQL like an unreachable product: PRODUCT_UNAVAILABLE, retried, nothing leaked',
      behaviour: 'html-200',
      code: 'PRODUCT_UNAVAILABLE',
      hits: 3,
      hidden: /maintenance|catalog-7f9c/,
    },
    {
      name: "reports a refused signature (401) as PRODUCT_ERROR without the product's reason, and does not retry it",
      behaviour: 'refused-401',
      code: 'PRODUCT_ERROR',
      hits: 1,
      hidden: /SIGNATURE_INVALID|does not match/,
    },
  ];
  for (const failure of failures) {
    it(failure.name, async () => {
      behaviour = failure.behaviour;
      hits = 0;
      const result = await mesh.query(QUERY);
      expect(result.body.data.customer).toEqual({ id: 'C00001' });
      expect(result.body.errors![0]!.extensions).toMatchObject({ code: failure.code, product: 'catalog' });
      if (failure.hidden) expect(JSON.stringify(result.body)).not.toMatch(failure.hidden);
      expect(hits).toBe(failure.hits);
    });
  }
});

describe("a product's Cache-Control", () => {
  it('sets the cache policy of a response made only from its answers, as Apollo Gateway does', async () => {
    behaviour = 'cacheable';
    const result = await mesh.query('{ product(sku: "SKU-0001") { name } }', undefined, { authorization: '' });
    expect(result.body).toMatchObject({ data: { product: { name: 'Eco Turntable' } } });
    expect(result.headers.get('cache-control')).toBe('max-age=60, public');
    // A product that sends none (customers) makes the whole response uncacheable.
    const mixed = await mesh.query(QUERY, undefined, { authorization: '' });
    expect(mixed.headers.get('cache-control')).toBe('no-store');
    // The transport keeps the last hint it read: a product that changes its header is read anew.
    behaviour = 'cacheable-briefly';
    const changed = await mesh.query('{ product(sku: "SKU-0001") { name } }', undefined, { authorization: '' });
    expect(changed.headers.get('cache-control')).toBe('max-age=5, private');
  });
});

describe('the request a product receives', () => {
  it("is JSON.stringify's text of query, variables and operation name, in that order, twice alike", async () => {
    behaviour = 'cacheable';
    const bodies: string[] = [];
    for (const sku of ['SKU-0001', 'SKU-0002']) {
      await mesh.query('query Shelf($sku: ID!) { product(sku: $sku) { name } }', { sku });
      bodies.push(lastBody);
    }
    for (const [i, body] of bodies.entries()) {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['query', 'variables', 'operationName']);
      expect(parsed.variables).toEqual({ sku: i === 0 ? 'SKU-0001' : 'SKU-0002' });
      expect(body).toBe(JSON.stringify(parsed));
    }
    // The query's text (kept serialized between fetches) is the same in both.
    expect((JSON.parse(bodies[0]!) as { query: string }).query).toBe((JSON.parse(bodies[1]!) as { query: string }).query);
  });
});
