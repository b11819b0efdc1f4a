import type { Logger } from 'pino';
import { readBody, writeError } from '../../schema/protocol/apollo-http.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { Authenticate } from '../access/authentication.ts';
import type { CallerView, CallerViews } from '../access/caller-view.ts';
import { WatermarkTracker } from '../cache/watermark-tracker.ts';
import type { Catalog } from '../catalog/catalog-data.ts';
import type { GatewayConfig } from '../config.ts';
import type { GracefulShutdown } from '../http/graceful-shutdown.ts';
import { headersOf, type GraphQLPipeline } from '../http/graphql-route.ts';
import { guardMethodAndMediaType } from '../http/request-guard.ts';
import type { RouteHandler } from '../http/routes.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { assignRequestId } from '../observability/request-id.ts';
import { JsonRpcErrorCode, writeJsonRpcError } from './json-rpc-error.ts';

/**
 * `POST /mcp`: the Model Context Protocol over streamable HTTP, stateless, for AI agents.
 * Everything an agent learns or asks goes under its own `Authorization` (and preview
 * opt-in) header, checked here as `/graphql` checks it: a bad token is refused with 401
 * before the body is parsed. The route table gives `/mcp` the `Host` check and the rate
 * limit; this handler the body limit (`maxBodyBytes`), then the MCP server (`answerMcpMessage`),
 * whose queries run through `/graphql`'s own pipeline.
 */
export function mcpRoute(options: {
  pipeline: GraphQLPipeline;
  authenticate: Authenticate;
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'introspection' | 'catalog'>;
  shutdown: GracefulShutdown;
  metrics: GatewayMetrics;
  /** The catalog as one caller may see it: what `/catalog` shows the same caller. */
  catalog: (view: CallerView) => Promise<Catalog>;
  /** What each caller is shown: the same view introspection and the catalog give it. */
  views: CallerViews;
  /** Where the gateway fetches a product from: its `/watermark` is beside it. */
  productUrl: (product: string) => string | undefined;
  logger: Logger;
}): RouteHandler {
  const { config, metrics } = options;
  const watermarks = new WatermarkTracker({ checkIntervalMs: 1000 });
  const liveDataAsOf = async (product: string) => {
    const url = options.productUrl(product);
    return url ? (await watermarks.current(product, url))?.dataAsOf : undefined;
  };
  const onRejection = (code: MeshErrorCode) => metrics.rejections.inc({ code });
  const onUnexpected = (error: unknown) => options.logger.error({ err: error }, 'mcp: a tool failed unexpectedly');
  return async (req, res) => {
    if (options.shutdown.shuttingDown) {
      writeError(res, MeshErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry on another instance');
      return;
    }
    const requestId = assignRequestId(res);
    // Stateless: there is no server-initiated stream to open (GET) and no session to end (DELETE).
    if (req.method !== 'POST') throw new MeshError(MeshErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed on /mcp: POST one JSON-RPC message`);
    guardMethodAndMediaType(req);
    // Streamable HTTP lets the server answer with either; the SDK's transport insists on both being accepted.
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      throw new MeshError(MeshErrorCode.NOT_ACCEPTABLE, 'An MCP client must accept application/json and text/event-stream');
    }
    const raw = await readBody(req, config.maxBodyBytes);
    const headers = headersOf(req);
    const principal = await options.authenticate(headers);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      onRejection(MeshErrorCode.BAD_REQUEST);
      writeJsonRpcError(res, { status: 400, id: null, rpcCode: JsonRpcErrorCode.PARSE_ERROR, code: MeshErrorCode.BAD_REQUEST, message: 'The body is not valid JSON' });
      return;
    }
    const view = options.views.forCaller(headers, principal);
    const { schema } = view;
    if (!schema) throw new MeshError(MeshErrorCode.SUPERGRAPH_NOT_LOADED, 'No supergraph is served yet; retry shortly');
    const { answerMcpMessage } = await import('./mcp-server.ts');
    await answerMcpMessage(
      req,
      res,
      body,
      { headers, schema, requestId },
      { catalog: () => options.catalog(view), liveDataAsOf, pipeline: options.pipeline, onRejection, onUnexpected, schemaPublished: config.introspection || config.catalog.enabled },
    );
  };
}
