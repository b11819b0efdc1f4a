import type { ApolloServerPlugin } from '@apollo/server';
import { memoizeBySchemaAndDocument } from '../operation/document-memo.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf, type GatewayMetrics } from '../observability/metrics.ts';
import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import { operationFieldCoordinates } from '../operation/field-coordinates.ts';

/**
 * Records which fields (`Type.field`) each client's operations select: as Prometheus
 * counters, and per day in the usage store `meshgate check` reads before a deprecated
 * field may be removed. Only operations that resolved (parsed and validated) count.
 */
export function fieldUsagePlugin(metrics: GatewayMetrics, store: FieldUsageStore | undefined): ApolloServerPlugin<GatewayContext> {
  // Each document is walked once per operation name, not once per request (see document-memo.ts).
  const walkedOperations = memoizeBySchemaAndDocument(() => new Map<string, string[]>());
  return {
    async requestDidStart({ request }) {
      // A bounded client name: an invented one is recorded (in /metrics and the usage store)
      // as `other` once the budget is spent, so no caller can grow either without end.
      const client = metrics.labels.value('client', clientOf(request.http?.headers ?? new Map<string, string>()).client);
      return {
        async didResolveOperation({ document, schema, operationName }) {
          const byOperation = walkedOperations(schema, document);
          let coordinates = byOperation.get(operationName ?? '');
          if (!coordinates) {
            coordinates = operationFieldCoordinates(schema, document, operationName);
            byOperation.set(operationName ?? '', coordinates);
          }
          for (const coordinate of coordinates) metrics.fieldUsage.inc({ coordinate, client });
          store?.record(client, coordinates);
        },
      };
    },
  };
}
