import { executeApollo, parseRequestBody, readBody, writeApolloResponse, writeError } from '../../schema/protocol/apollo-http.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { ApolloServer } from '@apollo/server';
import type { Authenticate } from '../access/authentication.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { assignRequestId, withRequestId } from '../plugins/request-id-plugin.ts';
import type { GracefulShutdown } from './graceful-shutdown.ts';
import { guardBatch, guardDocuments, guardMethodAndMediaType, guardPersistedQuery } from './request-guard.ts';
import type { RouteHandler } from './routes.ts';

/**
 * `/graphql`: what the HTTP layer checks before Apollo sees a request (draining, method
 * and media type, body size, batch size, document limits, persisted-query shape), then
 * the context Apollo hands every plugin (request id, headers, principal), then Apollo.
 * Each refusal here throws a coded error the router writes and counts.
 */
export function graphqlRoute(options: {
  apollo: ApolloServer<GatewayContext>;
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'batching' | 'limits'>;
  shutdown: GracefulShutdown;
  authenticate: Authenticate;
}): RouteHandler {
  const { apollo, config, shutdown, authenticate } = options;
  return async (req, res) => {
    if (shutdown.shuttingDown) {
      writeError(res, MeshErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry on another instance');
      return;
    }
    const requestId = assignRequestId(res);
    guardMethodAndMediaType(req);
    const body = parseRequestBody(await readBody(req, config.maxBodyBytes), req.headers['content-type']);
    guardBatch(body, config.batching);
    guardDocuments(req, body, config.limits);
    guardPersistedQuery(body);
    const context = withRequestId(requestId, async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      return { headers, principal: await authenticate(headers), answeredBy: new Map() };
    });
    await writeApolloResponse(res, await executeApollo(apollo, req, body, context));
  };
}
