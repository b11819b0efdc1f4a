import { executeApollo, parseRequestBody, readBody, writeApolloResponse, writeError } from '../../schema/protocol/apollo-http.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Authenticate } from '../access/authentication.ts';
import type { GatewayConfig } from '../config.ts';
import { IncrementalDelivery, type SubsequentPayload } from '../execution/incremental-delivery.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { maskError } from '../plugins/error-masking-plugin.ts';
import { dataProductSignals, type DataProductSignal } from '../plugins/product-signals-plugin.ts';
import { acceptsDeferredParts, writeMultipartResponse, type FinishedPayload } from './multipart-response.ts';
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
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'batching' | 'limits' | 'exposeErrorDetails'>;
  shutdown: GracefulShutdown;
  authenticate: Authenticate;
  /** The clock product signals read freshness by. */
  now?: () => number;
  /** Told the code of every error a deferred part carries (the metrics plugin counts the first part's). */
  onPartError?: (code: string) => void;
  /** Told each product watermark a deferred part reports (the catalog's watermarks seen read the first part's). */
  onPartWatermark?: (product: string, dataAsOf: string) => void;
}): RouteHandler {
  const { apollo, config, shutdown, authenticate } = options;
  const now = options.now ?? Date.now;
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
    const incremental = new IncrementalDelivery(acceptsDeferredParts(req.headers.accept));
    // Apollo Server writes a refusal (or an answer without @defer) as JSON only when the client takes JSON:
    // a client that reads parts reads a JSON answer too, as Apollo Router answers it.
    if (incremental.accepted && !/application\/(graphql-response\+)?json|\*\/\*/i.test(req.headers.accept ?? '')) req.headers.accept = `${req.headers.accept}, application/json;q=0.1`;
    const context = withRequestId(requestId, async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      return { headers, principal: await authenticate(headers), answeredBy: new Map(), incremental };
    });
    const response = await executeApollo(apollo, req, body, context);
    if (!incremental.parts || response.body.kind !== 'complete') {
      await writeApolloResponse(res, response);
      return;
    }
    // @defer: Apollo Server answers a gateway in one piece, so the parts after the first are written here.
    const finish = (payload: SubsequentPayload): FinishedPayload => ({
      hasNext: payload.hasNext,
      ...(payload.incremental && {
        incremental: payload.incremental.map(({ errors, ...part }) => ({
          ...part,
          ...(errors && { errors: errors.map((error) => withId(maskError(error.toJSON(), config.exposeErrorDetails), requestId)) }),
        })),
      }),
      extensions: { dataProducts: dataProductSignals(payload.products, now) },
    });
    await writeMultipartResponse(res, response, incremental.parts, (payload) => {
      const finished = finish(payload);
      for (const part of finished.incremental ?? []) for (const error of part.errors ?? []) options.onPartError?.(String(error.extensions?.code));
      for (const signal of (finished.extensions?.dataProducts ?? []) as DataProductSignal[]) if (signal.dataAsOf) options.onPartWatermark?.(signal.name, signal.dataAsOf);
      return finished;
    });
  };
}

/** As the request-id plugin stamps every error of an answer. */
function withId(error: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  return { ...error, extensions: { ...error.extensions, requestId } };
}
