import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductAgent, postToProduct, productAddress, type ProductAddress } from '../../../gateway/transport/product-request.ts';

/**
 * One product fetch read straight off undici's dispatcher, against a real HTTP server: the
 * answer decoded whole whatever its chunks, headers as undici names them, and the deadline
 * for a fetch that is answered slowly or still waits for a connection.
 */
let server: Server;
let address: ProductAddress;
// One connection: a second fetch waits in undici's queue while the first holds it.
const agent = createProductAgent({ connectionsPerProduct: 1, keepAliveTimeoutMs: 1000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/stall') return; // never answers
      // A two-byte character split across two writes: the body must be decoded once, whole.
      const body = Buffer.from(JSON.stringify({ data: { name: 'Café Ü' } }), 'utf8');
      const split = body.indexOf(0xc3) + 1;
      res.writeHead(
        200,
        [
          ['content-type', 'application/json'],
          ['x-seen', 'a'],
          ['x-seen', 'b'],
        ].flat(),
      );
      res.write(body.subarray(0, split));
      setTimeout(() => res.end(body.subarray(split)), 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = productAddress(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
afterAll(async () => {
  await agent.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('postToProduct', () => {
  it('decodes an answer sent in pieces whole, with repeated headers as a list', async () => {
    const answer = await postToProduct({ agent, address, product: 'catalog', timeoutMs: 2000, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { name: 'Café Ü' } });
    expect(answer.headers['x-seen']).toEqual(['a', 'b']);
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it('times out a stalled fetch, and one queued behind it, as PRODUCT_TIMEOUT naming the product', async () => {
    const stalled = { ...address, path: '/stall' };
    const post = () => postToProduct({ agent, address: stalled, product: 'catalog', timeoutMs: 200, headers: {}, body: '{}' }).catch((error: unknown) => error);
    const [first, queued] = await Promise.all([post(), post()]);
    for (const error of [first, queued]) expect(error).toMatchObject({ code: 'PRODUCT_TIMEOUT', extensions: { product: 'catalog' } });
    // The aborted fetches freed the one connection: the next fetch is answered.
    const answer = await postToProduct({ agent, address, product: 'catalog', timeoutMs: 2000, headers: {}, body: '{}' });
    expect(answer.status).toBe(200);
  });
});
