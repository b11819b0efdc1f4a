import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRegistrySupergraph } from '../../../gateway/supergraph/registry-supergraph.ts';
import { pollSupergraphUrl } from '../../../gateway/supergraph/supergraph-watcher.ts';

/**
 * What a gateway sends a registry: its token on every request, and from the first poll on
 * the ETag of the supergraph it already serves, so an unchanged build costs a 304. The
 * server stands in for the registry's one route and records what it was sent.
 */
const ETAG = '"7-0123456789abcdef"';
const SDL = 'schema { query: Query } type Query { ok: Boolean }';
const seen: IncomingHttpHeaders[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    if (request.headers.authorization !== 'Bearer gateway-token') {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHENTICATED","message":"The registry token is not known"}}');
    } else if (request.headers['if-none-match'] === ETAG) response.writeHead(304, { etag: ETAG }).end();
    else response.writeHead(200, { etag: ETAG, 'content-type': 'text/plain' }).end(SDL);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a gateway serving from a registry', () => {
  it('takes its first supergraph with its token, and the first poll sends that ETag back (answered 304, nothing reloaded)', async () => {
    const first = await fetchRegistrySupergraph({ url, token: 'gateway-token' });
    expect(first).toEqual({ sdl: SDL, etag: ETAG });
    const loaded: string[] = [];
    const errors: Error[] = [];
    const before = seen.length;
    // The second poll is sent only once the first answer was handled: wait for it, then stop.
    await new Promise<void>((resolve) => {
      const stop = pollSupergraphUrl({
        url: `${url}/v1/supergraph`,
        intervalMs: 100,
        headers: { authorization: 'Bearer gateway-token' },
        etag: first.etag,
        onSdl: (sdl) => loaded.push(sdl),
        onError: (error) => errors.push(error),
      });
      const onRequest = () => {
        if (seen.length - before < 2) return;
        server.off('request', onRequest);
        stop();
        resolve();
      };
      server.on('request', onRequest);
    });
    for (const headers of seen.slice(before)) expect(headers).toMatchObject({ authorization: 'Bearer gateway-token', 'if-none-match': ETAG });
    expect([loaded, errors]).toEqual([[], []]);
  });

  it('aborts a poll in flight when stopped, and calls neither callback after', async () => {
    // A registry that never answers: the poll is in flight until it is stopped.
    const held: { closed: Promise<void> }[] = [];
    const silent = createServer((request) => held.push({ closed: new Promise((resolve) => request.socket.once('close', () => resolve())) }));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const calls: unknown[] = [];
    try {
      const received = new Promise<void>((resolve) => silent.once('request', () => resolve()));
      const stop = pollSupergraphUrl({
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/supergraph`,
        intervalMs: 100,
        onSdl: (sdl) => calls.push(sdl),
        onError: (error) => calls.push(error),
      });
      await received;
      stop();
      // The registry sees the connection closed: the poll was aborted, not left to its timeout.
      await held[0]!.closed;
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toEqual([]);
      expect(held).toHaveLength(1);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("refuses to start on the registry's refusal, with its code", async () => {
    const refusal = (await fetchRegistrySupergraph({ url, token: 'wrong' }).catch((error: unknown) => error)) as { code: string; message: string };
    expect(refusal.code).toBe('SUPERGRAPH_NOT_LOADED');
    expect(refusal.message).toContain('gave no supergraph (UNAUTHENTICATED: The registry token is not known)');
  });
});
