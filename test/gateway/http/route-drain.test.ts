import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJson } from '../../../schema/protocol/apollo-http.ts';
import { routeRequests, type Route } from '../../../gateway/http/routes.ts';
import { serveHttp, type HttpServer } from '../../../gateway/http/server.ts';
import { GatewayMetrics } from '../../../gateway/observability/metrics.ts';
import type { TokenDecision } from '../../../gateway/shared-state/key-value-store.ts';

/**
 * The drain counts a response from its first byte. A request still waiting on its
 * rate-limit token when its client leaves must leave the in-flight set with it: counted
 * only after the wait, its response would already be closed and never let go, and every
 * drain would wait out its whole timeout. With a drain timeout of 0, `abandoned` tells
 * the two apart without timing anything.
 */
let http: HttpServer | undefined;
afterEach(async () => {
  await http?.shutdown.drain();
  http = undefined;
});

describe('routing and the drain', () => {
  it('lets go of a request whose client left while it waited for its rate-limit token', async () => {
    let asked!: (req: IncomingMessage) => void;
    const tokenAsked = new Promise<IncomingMessage>((resolve) => (asked = resolve));
    let releaseToken!: (decision: TokenDecision) => void;
    let answered!: () => void;
    const handled = new Promise<void>((resolve) => (answered = resolve));
    const routes: Route[] = [
      {
        paths: ['/graphql'],
        rateLimited: true,
        handle: (_req, res) => {
          writeJson(res, 200, { ok: true });
          answered();
        },
      },
    ];
    const metrics = new GatewayMetrics({ processMetrics: false });
    http = await serveHttp({
      port: 0,
      host: '127.0.0.1',
      drainTimeoutMs: 0,
      handler: (shutdown) =>
        routeRequests(routes, {
          shutdown,
          metrics,
          takeRateLimitToken: (req) => {
            asked(req);
            return new Promise<TokenDecision>((resolve) => (releaseToken = resolve));
          },
        }),
    });
    const client = request(http.url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    client.on('error', () => {});
    client.end('{}');

    const held = await tokenAsked;
    const gone = once(held.socket, 'close');
    client.destroy();
    await gone;
    releaseToken({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    await handled;

    const drained = await http.shutdown.drain();
    http = undefined;
    expect(drained).toEqual({ abandoned: 0 });
  });
});
