import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf } from '../observability/metrics.ts';

/**
 * One structured log line per GraphQL request, carrying the same `requestId` the
 * request-id plugin puts in every error's extensions and in `x-request-id`: a client's
 * bug report with that id finds this line, and the product's, directly.
 *
 * Failed requests log at `warn` with the error codes; messages are left out because an
 * unmasked product message may name internals, and logs are read by more people than the
 * data is.
 */
export function loggingPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      const { client, version } = clientOf(request.http?.headers ?? new Map<string, string>());
      const log = logger.child({ requestId: contextValue.requestId });
      return {
        async willSendResponse({ response, operationName }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const line = {
            operation: operationName ?? null,
            client,
            clientVersion: version,
            status: response.http.status ?? 200,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            ...(errors.length > 0 ? { errorCodes: errors.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') } : {}),
          };
          if (errors.length > 0) log.warn(line, 'graphql request failed');
          else log.info(line, 'graphql request');
        },
      };
    },
  };
}
