import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';
import { clientOf, type GatewayMetrics } from '../observability/metrics.ts';
import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import { operationFieldsUsed } from '../operation/operation-fields.ts';

/**
 * Records which fields (`Type.field`) each client's operations select: as Prometheus
 * counters, and per day in the usage store `meshgate check` reads before a deprecated
 * field may be removed. Only operations that resolved (parsed and validated) count.
 *
 * The store records only callers it can trust: an authenticated principal, or a client
 * named in `trustedClients`. `meshgate check` refuses to remove a deprecated field a
 * recorded client still uses, and the client name is a header anyone can send, so
 * anonymous usage under any name would let anyone keep any field alive. The counters on
 * `/metrics` still count every caller: they say what traffic is, not who may veto a removal.
 * Each count also carries the application the caller's verified token names, when it names
 * one, so a breaking-change check names that application as verified, apart from client names.
 */
export function fieldUsagePlugin(metrics: GatewayMetrics, store: FieldUsageStore | undefined, options: { trustedClients: readonly string[] }): ApolloServerPlugin<GatewayContext> {
  const trustedClients = new Set(options.trustedClients);
  return {
    async requestDidStart({ request, contextValue }) {
      // A bounded client name: an invented one is recorded (in /metrics and the usage store)
      // as `other` once the budget is spent, so no caller can grow either without end.
      const named = clientOf(request.http?.headers ?? new Map<string, string>()).client;
      const client = metrics.labels.value('client', named);
      // Trust is decided on the name sent, before any folding into `other`.
      const recorded = contextValue.principal.authenticated || trustedClients.has(named) ? store : undefined;
      return {
        async didResolveOperation({ document, schema, operationName }) {
          // The document is walked once, not once per request (see `operationFieldsUsed`).
          const coordinates = operationFieldsUsed(schema, document, operationName).map((use) => use.coordinate);
          for (const coordinate of coordinates) metrics.fieldUsage.inc({ coordinate, client });
          // The application only from the verified token: a name in a header is the client's, self-declared.
          recorded?.record(client, coordinates, undefined, contextValue.principal.application);
        },
      };
    },
  };
}
