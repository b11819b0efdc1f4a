import { setTimeout as sleep } from 'node:timers/promises';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { FetchLayer, ProductAnswer } from './fetch-layer.ts';
import { backoffDelayMs, isTransientFailure, mayRetry, type RetryOptions } from './retry-policy.ts';

/**
 * Each attempt inside the product's circuit breaker, retried with backoff if the fetch is
 * part of a query. The breaker counts failed *fetches*, not attempts: a fetch and its
 * retries are one failure, recorded when the fetch gives up, so one slow request with two
 * retries does not spend three of the threshold's failures and open the breaker on its own.
 */
export function breakerRetryLayer(options: { product: string; breaker: CircuitBreaker; retry: RetryOptions }): FetchLayer<ProductAnswer> {
  const { product, breaker, retry } = options;
  return (next) => async (fetch) => {
    const attempts = mayRetry(fetch.operationType) ? retry.retries + 1 : 1;
    let lastFailure: unknown;
    for (let attempt = 0; ; attempt++) {
      if (!breaker.tryAcquire()) {
        // A retry that finds the breaker open (other fetches failed meanwhile) reports what
        // this fetch met: a product that timed out is slow, not unavailable.
        if (lastFailure) {
          breaker.recordFailure();
          throw lastFailure;
        }
        throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${product}" is unavailable (circuit breaker open)`, { extensions: { product, breaker: 'open' } });
      }
      try {
        const answer = await next(fetch);
        // A GraphQL error body on a non-2xx status is an answer too: the product is up.
        breaker.recordSuccess();
        return answer;
      } catch (error) {
        if (!isTransientFailure(error) || attempt + 1 >= attempts) {
          breaker.recordFailure();
          throw error;
        }
        lastFailure = error;
        await sleep(backoffDelayMs(retry, attempt));
      }
    }
  };
}
