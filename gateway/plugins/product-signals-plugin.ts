import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../gateway-context.ts';
import { dataProductSignals } from '../observability/data-product-signals.ts';
import { fieldsUsed } from '../operation/operation-fields.ts';

export interface DeprecatedFieldUse {
  field: string;
  reason: string;
  /** `YYYY-MM-DD` from "Sunset YYYY-MM-DD" in the deprecation reason, when it names one. */
  sunset: string | null;
}

const SUNSET = /\bSunset:?\s+(\d{4}-\d{2}-\d{2})\b/i;

/**
 * Product signals in every response:
 * - `extensions.dataProducts`: each product that answered, with its version, status and
 *   freshness watermark, `stale` when the watermark is older than the product's SLA;
 * - for operations that use deprecated fields: `extensions.deprecations` naming them, a
 *   `Deprecation: true` header, and a `Sunset` header (RFC 8594) with the earliest sunset.
 *   `true` rather than RFC 9745's date, because the SDL records no deprecation date.
 */
export function productSignalsPlugin(options: { now?: () => number } = {}): ApolloServerPlugin<GatewayContext> {
  const now = options.now ?? Date.now;
  return {
    async requestDidStart() {
      let deprecations: DeprecatedFieldUse[] = [];
      return {
        async didResolveOperation({ schema, document }) {
          // Read before the access plugin prunes: the client is told about what it asked for.
          deprecations = deprecatedFieldsUsed(schema, document);
        },
        async willSendResponse({ response, contextValue }) {
          const sunsets = deprecations
            .map((use) => use.sunset)
            .filter((sunset): sunset is string => sunset !== null)
            .sort();
          if (deprecations.length) {
            response.http.headers.set('deprecation', 'true');
            if (sunsets[0]) response.http.headers.set('sunset', new Date(`${sunsets[0]}T00:00:00Z`).toUTCString());
          }
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const dataProducts = dataProductSignals([...contextValue.answeredBy], now);
          result.extensions = { ...result.extensions, dataProducts, ...(deprecations.length ? { deprecations } : {}) };
        },
      };
    },
  };
}

function deprecatedFieldsUsed(schema: GraphQLSchema, document: DocumentNode): DeprecatedFieldUse[] {
  const uses = new Map<string, DeprecatedFieldUse>();
  for (const { coordinate, field } of fieldsUsed(schema, document)) {
    const reason = field.deprecationReason;
    if (reason) uses.set(coordinate, { field: coordinate, reason, sunset: SUNSET.exec(reason)?.[1] ?? null });
  }
  return [...uses.values()];
}
