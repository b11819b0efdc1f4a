import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf, type GatewayMetrics } from '../observability/metrics.ts';
import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import { operationFieldsUsed } from '../operation/operation-fields.ts';

/**
 * Records which fields (`Type.field`) each client's operations select: as Prometheus
 * counters, and per day in the usage store `meshgate check` reads before a deprecated
 * field may be removed. Only operations that resolved (parsed and validated) count.
 */
export function fieldUsagePlugin(metrics: GatewayMetrics, store: FieldUsageStore | undefined): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      // A bounded client name: an invented one is recorded (in /metrics and the usage store)
      // as `other` once the budget is spent, so no caller can grow either without end.
      const client = metrics.labels.value('client', clientOf(request.http?.headers ?? new Map<string, string>()).client);
      return {
        async didResolveOperation({ document, schema, operationName }) {
          // The document is walked once, not once per request (see operation-fields.ts).
          const coordinates = operationFieldsUsed(schema, document, operationName).map((use) => use.coordinate);
          for (const coordinate of coordinates) metrics.fieldUsage.inc({ coordinate, client });
          store?.record(client, coordinates);
        },
      };
    },
  };
}
