import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { parseRequestBody, readBody, writeApolloResponse, writeError } from '../../schema/protocol/apollo-http.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { Authenticate } from '../access/authentication.ts';
import type { GatewayConfig } from '../config.ts';
import { IncrementalDelivery, type SubsequentPayload } from '../execution/incremental-delivery.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { maskError } from '../access/error-masking.ts';
import { dataProductSignals, type DataProductSignal } from '../observability/data-product-signals.ts';
import { acceptsDeferredParts, writeMultipartResponse, type FinishedPayload } from './multipart-response.ts';
import { assignRequestId, stampRequestId, withRequestId } from '../observability/request-id.ts';
import type { GracefulShutdown } from './graceful-shutdown.ts';
import { guardBatch, guardDocuments, guardMethodAndMediaType, guardPersistedQuery } from './request-guard.ts';
import type { RouteHandler } from './routes.ts';

/** A GraphQL request as the pipeline takes it: what `/graphql` read off the wire, or what another door (`/mcp`) was asked. */
export interface GraphQLRequest {
  method: string;
  /** The path and query string (`/graphql?query=…` for a GET). */
  url: string;
  /** The caller's headers, lower-cased: they carry its token, preview opt-in and client name. */
  headers: Record<string, string>;
  /** The parsed JSON body (undefined for a GET). */
  body: unknown;
  requestId: string;
  /** `@defer` in parts, when the door can write them (`/graphql`); without it deferred fragments come in the one answer. */
  incremental?: IncrementalDelivery;
}

/**
 * Runs one GraphQL request through everything `/graphql` applies after reading the body:
 * batch size, document limits, persisted-query shape, then the context Apollo hands every
 * plugin (request id, headers, principal) and Apollo with its plugins (authentication,
 * access, preview gate, cost, masking, signals). A refusal before Apollo throws a coded
 * {@link MeshError}. It is the one way into the graph: `/mcp` runs its queries through it
 * too, so an agent gets exactly what the same token gets on `/graphql`.
 */
export type GraphQLPipeline = (request: GraphQLRequest) => Promise<HTTPGraphQLResponse>;

export function graphqlPipeline(options: { apollo: ApolloServer<GatewayContext>; config: Pick<GatewayConfig, 'batching' | 'limits'>; authenticate: Authenticate }): GraphQLPipeline {
  const { apollo, config, authenticate } = options;
  return async ({ method, url, headers, body, requestId, incremental }) => {
    guardBatch(body, config.batching);
    guardDocuments({ method, url }, body, config.limits);
    guardPersistedQuery(body);
    const context = withRequestId(requestId, async () => ({ headers, principal: await authenticate(headers), answeredBy: new Map(), incremental }));
    const headerMap = new HeaderMap();
    for (const [name, value] of Object.entries(headers)) headerMap.set(name, value);
    const search = new URL(url, 'http://localhost').search;
    return apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: method.toUpperCase(), headers: headerMap, search, body }, context });
  };
}

/** A Node request's headers as one string each, lower-cased (Node lower-cases names already). */
export function headersOf(req: { headers: Record<string, string | string[] | undefined> }): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

/**
 * `/graphql`: what the HTTP layer checks before the pipeline (draining, method and media
 * type, body size), then the pipeline. Each refusal throws a coded error the router writes
 * and counts.
 */
export function graphqlRoute(options: {
  pipeline: GraphQLPipeline;
  config: Pick<GatewayConfig, 'maxBodyBytes' | 'exposeErrorDetails'>;
  shutdown: GracefulShutdown;
  /** The clock product signals read freshness by. */
  now?: () => number;
  /** Told the code of every error a deferred part carries (the metrics plugin counts the first part's). */
  onPartError?: (code: string) => void;
  /** Told each product watermark a deferred part reports (the catalog's watermarks seen read the first part's). */
  onPartWatermark?: (product: string, dataAsOf: string) => void;
}): RouteHandler {
  const { pipeline, config, shutdown } = options;
  const now = options.now ?? Date.now;
  return async (req, res) => {
    if (shutdown.shuttingDown) {
      writeError(res, MeshErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry on another instance');
      return;
    }
    const requestId = assignRequestId(res);
    guardMethodAndMediaType(req);
    const body = parseRequestBody(await readBody(req, config.maxBodyBytes), req.headers['content-type']);
    const incremental = new IncrementalDelivery(acceptsDeferredParts(req.headers.accept));
    // Apollo Server writes a refusal (or an answer without @defer) as JSON only when the client takes JSON:
    // a client that reads parts reads a JSON answer too, as Apollo Router answers it.
    if (incremental.accepted && !/application\/(graphql-response\+)?json|\*\/\*/i.test(req.headers.accept ?? '')) req.headers.accept = `${req.headers.accept}, application/json;q=0.1`;
    const response = await pipeline({ method: req.method ?? 'GET', url: req.url ?? '/', headers: headersOf(req), body, requestId, incremental });
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
          ...(errors && {
            errors: stampRequestId(
              errors.map((error) => maskError(error.toJSON(), config.exposeErrorDetails)),
              requestId,
            ),
          }),
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
