import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf, operationOf, type GatewayMetrics } from '../observability/metrics.ts';

/**
 * Counts requests and times them by operation name and client, and counts every error
 * sent by its code. Runs in `willSendResponse`, after every other plugin has had its say,
 * so the codes counted are the ones the client receives.
 */
export function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      const started = performance.now();
      const { client, version } = clientOf(request.http?.headers ?? new Map<string, string>());
      return {
        async willSendResponse({ response, operationName }) {
          const operation = operationOf(operationName);
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          // Client, version and operation are the caller's to choose: bounded (see `LabelBudget`).
          const outcome = errors.length > 0 ? 'error' : 'success';
          metrics.requests.inc(metrics.labels.labels('requests', { operation, client, client_version: version, outcome }, ['operation', 'client', 'client_version']));
          metrics.requestDuration.observe(metrics.labels.labels('request_duration', { operation, client }, ['operation', 'client']), (performance.now() - started) / 1000);
          for (const error of errors) metrics.errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          // A 4xx/5xx status means the request was refused as a whole (a limit, auth, a
          // validation failure), not answered with partial data.
          if ((response.http.status ?? 200) >= 400 && errors[0]) metrics.rejections.inc({ code: String(errors[0].extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
      };
    },
  };
}
