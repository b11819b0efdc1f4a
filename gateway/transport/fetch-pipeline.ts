import type { GatewayMetrics } from '../observability/metrics.ts';
import { breakerRetryLayer } from './breaker-retry-layer.ts';
import { cacheLayer, type ProductAnswerCache } from './cache-layer.ts';
import { correlateLayer, type ForwardRequestId } from './correlate-layer.ts';
import { dedupeLayer, type InFlight } from './dedupe-layer.ts';
import type { FetchLayer, ProductAnswer } from './fetch-layer.ts';
import { measureLayer } from './measure-layer.ts';
import { ProductDataSource, type CallerClaims } from './product-data-source.ts';
import type { ProductSigner } from './product-signing-keys.ts';
import type { ProductTransport } from './product-transport.ts';
import { readLayer } from './read-layer.ts';
import { reportLayer } from './report-layer.ts';
import { signLayer } from './sign-layer.ts';
import type { SignatureRefusals } from './signature-refusals.ts';
import { wireCall } from './wire-call.ts';

/**
 * What the fetch needs from the stages before it (access, execution, the request id),
 * handed in by the composition root so that the transport imports none of them.
 */
export interface FetchHooks {
  claims: CallerClaims;
  forwardRequestId: ForwardRequestId;
  /** A fresh set of fetches in flight, for one product (the gateway's Singleflight). */
  inFlight(): InFlight<ProductAnswer>;
}

export interface ProductFetchParts {
  product: string;
  url: string;
  transport: ProductTransport;
  signer: ProductSigner;
  hooks: FetchHooks;
  metrics?: GatewayMetrics;
  refusals?: SignatureRefusals;
  /** The product answer cache, when the cache is on. */
  cache?: ProductAnswerCache;
}

/** A layer that is not there: the step inside, unchanged. */
const absent = <T>(next: T): T => next;

/**
 * One product's data source: the fetch's layers in their one order, composed once here
 * (never per fetch). The first wraps all the others; the wire call is last.
 */
export function productDataSource(parts: ProductFetchParts): ProductDataSource {
  const { product, url, transport, signer, hooks, metrics, refusals, cache } = parts;
  const { timeoutMs, retry } = transport.settingsFor(product);
  // Breakers outlive data sources (a reloaded supergraph builds new ones): this is the product's one.
  const breaker = transport.breakers.forProduct(product);
  const optional = <O, I>(layer: FetchLayer<O, I> | undefined): FetchLayer<O, I> => layer ?? (absent as FetchLayer<O, I>);
  const fetch =
    // 1. cache: a kept answer returns before anything below runs: nothing is sent, and nothing measured (the cache counts its own lookups).
    optional(cache && cacheLayer({ product, url, cache }))(
      // 2. measure: the fetch as its caller lives it: waits on a shared fetch and retries included.
      measureLayer({ product, breaker, metrics })(
        // 3. report: each caller's own response from the answer, its report on its own request: hence above sharing.
        reportLayer(product)(
          // 4. de-duplicate: below here one caller's fetch serves every identical one in flight.
          optional(transport.dedupe ? dedupeLayer({ flights: hooks.inFlight(), onShared: metrics && (() => metrics.productFetchesShared.inc({ product })) }) : undefined)(
            // 5. correlate: once per fetch, not per attempt: retries carry the same request id and trace.
            correlateLayer<ProductAnswer>(hooks.forwardRequestId)(
              // 6. breaker and retry: everything below runs once per attempt.
              breakerRetryLayer({ product, breaker, retry })(
                // 7. read: inside the retries, an answer that is not GraphQL counts as an outage, and is retried.
                readLayer(product)(
                  // 8. sign, last before the wire: the signature covers exactly the bytes sent, fresh for each attempt,
                  // and a refused signature is read before any other layer takes the 401 for an error body.
                  signLayer({ product, signer, refusals })(
                    // 9. the wire call.
                    wireCall({ product, url, agent: transport.agent, timeoutMs, maxResponseBytes: transport.maxResponseBytes }),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  return new ProductDataSource(hooks.claims, fetch);
}
