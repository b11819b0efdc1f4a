import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { writeError, writeJson, writeThrown } from '../../schema/protocol/apollo-http.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { TokenDecision } from '../shared-state/key-value-store.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { GracefulShutdown } from './graceful-shutdown.ts';
import type { HostGuard } from './host-guard.ts';
import type { ReadinessReport } from './readiness.ts';
import { readinessBody } from './readiness-body.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface Route {
  /** The URL paths it serves, matched exactly. */
  readonly paths: readonly string[];
  /** Path prefixes it serves too (`/catalog/` for one product's page). */
  readonly prefixes?: readonly string[];
  /** Only this method is routed here; any method when absent. */
  readonly method?: 'GET';
  /** A further condition on the request (the explorer page is `/` asked for as HTML). */
  readonly when?: (url: URL, req: IncomingMessage) => boolean;
  /** Takes a rate-limit token before it runs. */
  readonly rateLimited: boolean;
  readonly handle: RouteHandler;
}

/**
 * The gateway's HTTP routes, first match wins. Operations routes (health, readiness,
 * metrics, catalog) are never rate limited: a throttled probe or scraper would hide the
 * overload it should show. Everything a client can load the gateway with is.
 */
export function gatewayRoutes(options: {
  state: () => SupergraphState;
  ready: () => Promise<ReadinessReport>;
  /** `/ready` shows the supergraph and product details (`readiness.details`), not only states. */
  readinessDetails: boolean;
  metrics: GatewayMetrics;
  /** `/catalog`, `/catalog/<product>` and `/catalog.json`, when the catalog is served. */
  catalog: RouteHandler | undefined;
  /** The GraphiQL explorer's page and assets, when it is served. */
  explorer: { handle: RouteHandler; when: (url: URL, req: IncomingMessage) => boolean } | undefined;
  sandbox: boolean;
  graphql: RouteHandler;
  /** `/mcp`, the MCP endpoint for AI agents, when it is served (`mcp.enabled`); off, `/mcp` is NOT_FOUND like any unknown path. */
  mcp?: RouteHandler;
}): Route[] {
  return [
    { paths: ['/health'], rateLimited: false, handle: (_req, res) => writeHealth(res, options.state()) },
    {
      paths: ['/ready'],
      rateLimited: false,
      handle: async (_req, res) => {
        const report = await options.ready();
        writeJson(res, report.httpStatus, readinessBody(report, { details: options.readinessDetails }));
      },
    },
    {
      paths: ['/metrics'],
      method: 'GET',
      rateLimited: false,
      handle: async (_req, res) => {
        const { contentType, text } = await options.metrics.exposition();
        res.writeHead(200, { 'content-type': contentType }).end(text);
      },
    },
    ...(options.catalog ? [{ paths: ['/catalog', '/catalog.json'], prefixes: ['/catalog/'], method: 'GET' as const, rateLimited: false, handle: options.catalog }] : []),
    // Rate limited like /graphql: every tool call is a request a client can load the gateway with.
    ...(options.mcp ? [{ paths: ['/mcp'], rateLimited: true, handle: options.mcp }] : []),
    // Static files and one page, before `/` is taken as a GraphQL endpoint below.
    ...(options.explorer ? [{ paths: [], prefixes: ['/'], rateLimited: false, when: options.explorer.when, handle: options.explorer.handle }] : []),
    ...(options.sandbox
      ? []
      : [
          {
            paths: ['/', '/sandbox'],
            method: 'GET' as const,
            when: (url: URL) => url.pathname === '/sandbox' || !url.searchParams.has('query'),
            rateLimited: true,
            handle: (_req: IncomingMessage, res: ServerResponse) => writeError(res, MeshErrorCode.NOT_FOUND, 'Apollo Sandbox is disabled; POST GraphQL requests to /graphql'),
          },
        ]),
    // Sandbox posts to the page it was loaded from, so `/` and `/sandbox` are GraphQL endpoints too.
    { paths: ['/graphql', '/', '/sandbox'], rateLimited: true, handle: options.graphql },
  ];
}

/**
 * Liveness says live or not, nothing more: the supergraph's source, hash and product URLs
 * are a map of the mesh for whoever can reach the port. `/ready` has the rest, for operators.
 */
function writeHealth(res: ServerResponse, state: SupergraphState): void {
  const serving = state.phase === 'serving';
  writeJson(res, serving ? 200 : 503, { status: serving ? 'ok' : 'unavailable' });
}

function matches(route: Route, url: URL, req: IncomingMessage): boolean {
  const path = url.pathname;
  const onPath = route.paths.includes(path) || (route.prefixes?.some((prefix) => path.startsWith(prefix)) ?? false);
  return onPath && (!route.method || route.method === req.method) && (route.when?.(url, req) ?? true);
}

const NO_ROUTE: Route = { paths: [], rateLimited: true, handle: (_req, res, url) => writeError(res, MeshErrorCode.NOT_FOUND, `No route ${url.pathname}`) };

/**
 * Serves each request by the first route that matches (NOT_FOUND when none does), after
 * the `Host` check (every route: a rebound page could read `/metrics` or `/catalog` as
 * well as query) and its rate-limit token when the route takes one. A request refused before Apollo sees it
 * (rate limit, body too large, bad JSON) is counted in `meshgate_rejections_total` here:
 * Apollo's metrics plugin never hears of it.
 */
export function routeRequests(
  routes: readonly Route[],
  options: {
    shutdown: GracefulShutdown;
    metrics: GatewayMetrics;
    takeRateLimitToken: ((req: IncomingMessage) => Promise<TokenDecision>) | undefined;
    /** Refuses a `Host` the gateway does not answer to; none when the check is off. */
    guardHost?: HostGuard;
  },
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    // Tracked before anything is awaited: a client that leaves while its request waits (on
    // a rate-limit token) has already closed the response, and one tracked after its
    // 'close' would never leave the in-flight set, holding a drain for its whole timeout.
    options.shutdown.track(res);
    try {
      options.guardHost?.(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes.find((r) => matches(r, url, req)) ?? NO_ROUTE;
      if (route.rateLimited && options.takeRateLimitToken) {
        const decision = await options.takeRateLimitToken(req);
        if (!decision.allowed) {
          req.resume();
          options.metrics.rejections.inc({ code: MeshErrorCode.RATE_LIMITED });
          writeError(res, MeshErrorCode.RATE_LIMITED, `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s`, {}, { 'retry-after': String(decision.retryAfterSeconds) });
          return;
        }
      }
      await route.handle(req, res, url);
    } catch (error) {
      options.metrics.rejections.inc({ code: error instanceof MeshError ? error.code : MeshErrorCode.INTERNAL_SERVER_ERROR });
      if (!res.headersSent) writeThrown(res, error);
      else res.destroy();
    }
  };
}
