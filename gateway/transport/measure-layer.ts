import { setActiveSpanAttribute } from '../../schema/protocol/trace-propagation.ts';
import { BreakerStateValue, type GatewayMetrics } from '../observability/metrics.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { FetchLayer, GatewayGraphQLResponse } from './fetch-layer.ts';

/** The breaker's phase as the `/metrics` gauge reports it. */
const BREAKER_VALUE = { closed: BreakerStateValue.closed, 'half-open': BreakerStateValue.halfOpen, open: BreakerStateValue.open } as const;

type Outcome = 'ok' | 'graphql_error' | 'failed';

/**
 * Times every fetch as its caller lives it (waits on a shared fetch and retries included),
 * counts the failed ones, and reports the product's breaker after each; the active trace
 * span (Apollo Gateway's `gateway.fetch`) is tagged with the product, whose own spans
 * continue that trace.
 */
export function measureLayer(options: {
  product: string;
  breaker: CircuitBreaker;
  metrics: Pick<GatewayMetrics, 'productFetchDuration' | 'productFetchErrors' | 'breakerState'> | undefined;
}): FetchLayer<GatewayGraphQLResponse> {
  const { product, breaker, metrics } = options;
  // Label sets made once, not per fetch.
  const productLabels = { product };
  const durationLabels = { ok: { product, outcome: 'ok' }, graphql_error: { product, outcome: 'graphql_error' }, failed: { product, outcome: 'failed' } } as const;
  const errorLabels = { graphql_error: { product, kind: 'graphql_error' }, failed: { product, kind: 'failed' } } as const;
  return (next) => async (fetch) => {
    setActiveSpanAttribute('meshgate.product', product);
    if (!metrics) return next(fetch);
    const started = performance.now();
    let outcome: Outcome = 'failed';
    try {
      const response = await next(fetch);
      outcome = (response.errors?.length ?? 0) > 0 ? 'graphql_error' : 'ok';
      return response;
    } finally {
      if (outcome !== 'ok') metrics.productFetchErrors.inc(errorLabels[outcome]);
      metrics.productFetchDuration.observe(durationLabels[outcome], (performance.now() - started) / 1000);
      metrics.breakerState.set(productLabels, BREAKER_VALUE[breaker.state.phase]);
    }
  };
}
