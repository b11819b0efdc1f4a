import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { durationToMs } from '../../schema/product/descriptor.ts';
import type { ProductReport } from '../../schema/protocol/product-report.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { fieldsUsed } from '../operation/operation-fields.ts';

/** One product that answered, as `extensions.dataProducts` lists it. */
export interface DataProductSignal {
  name: string;
  version: string | null;
  status: string | null;
  dataAsOf: string | null;
  /** True when `dataAsOf` is older than the product's SLA freshness. */
  stale: boolean;
}

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

/** `extensions.dataProducts` for the products that answered (a whole response, or one deferred part). */
export function dataProductSignals(answeredBy: Iterable<readonly [string, ProductReport | null | undefined]>, now: () => number): DataProductSignal[] {
  return [...answeredBy].map(
    ([name, report]): DataProductSignal => ({
      name,
      version: report?.version ?? null,
      status: report?.status ?? null,
      dataAsOf: report?.dataAsOf ?? null,
      stale: Boolean(report?.dataAsOf && report.freshness && now() - Date.parse(report.dataAsOf) > durationToMs(report.freshness)),
    }),
  );
}

function deprecatedFieldsUsed(schema: GraphQLSchema, document: DocumentNode): DeprecatedFieldUse[] {
  const uses = new Map<string, DeprecatedFieldUse>();
  for (const { coordinate, field } of fieldsUsed(schema, document)) {
    const reason = field.deprecationReason;
    if (reason) uses.set(coordinate, { field: coordinate, reason, sunset: SUNSET.exec(reason)?.[1] ?? null });
  }
  return [...uses.values()];
}
