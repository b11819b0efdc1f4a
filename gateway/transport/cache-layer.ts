import { INCOMING_OPERATION, type FetchLayer, type GatewayGraphQLResponse } from './fetch-layer.ts';

/** A product's answer as the gateway consumes it. */
export interface CachedResponse {
  data?: unknown;
  errors?: readonly unknown[];
  extensions?: Record<string, unknown>;
}

/** One product fetch, as much of it as decides the answer. */
export interface FetchIdentity {
  product: string;
  /** The product's GraphQL URL; its watermark is read beside it. */
  url: string;
  /** The fetch's body as sent: query, variables and operation name. */
  body: string;
  /**
   * What the product is told about the caller besides the body: the forwarded claims as a
   * key part ('' today, when it is told nothing). Never the token: the same body to the
   * same product gets the same answer whoever asks.
   */
  scope: string;
}

/** Where product answers are kept (the watermark cache): a kept answer for the identity, or `load`'s. */
export interface ProductAnswerCache {
  fetch<R extends CachedResponse>(identity: FetchIdentity, load: () => Promise<R>): Promise<R>;
}

/**
 * Answers repeated queries from the product answer cache. Only queries of client
 * operations are cached: mutations change data, and schema loads and health checks must
 * reach the product. The product's report (version, data as of) is kept with the answer,
 * so a kept answer still lists the product in `extensions.dataProducts`.
 */
export function cacheLayer(options: { product: string; url: string; cache: ProductAnswerCache }): FetchLayer<GatewayGraphQLResponse> {
  const { product, url, cache } = options;
  return (next) => async (fetch) => {
    const { options: fetchOptions, context } = fetch;
    if (fetchOptions.kind !== INCOMING_OPERATION || /^\s*(mutation|subscription)\b/.test(fetchOptions.request.query!)) return next(fetch);
    const { report, ...response } = await cache.fetch({ product, url, body: fetch.body, scope: fetch.claimsKey }, async () => ({
      ...(await next(fetch)),
      report: context.answeredBy?.get(product) ?? null,
    }));
    if (report) context.answeredBy?.set(product, report);
    return response as GatewayGraphQLResponse;
  };
}
