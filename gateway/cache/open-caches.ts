import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { SharedStateStore } from '../shared-state/key-value-store.ts';
import { AnswerCache } from './answer-cache.ts';
import { WatermarkCache } from './watermark-cache.ts';
import { WatermarkTracker } from './watermark-tracker.ts';

/**
 * The gateway's two caches when `cache.enabled`, over one watermark tracker so both drop an
 * entry when its product reports new data: product answers (kept in the shared state) and
 * whole answers (kept in this process). Neither exists when the cache is off. `Answer` is
 * what the executor answers, named by the caller: the cache keeps it and never reads it.
 */
export function openCaches<Answer extends { errors?: readonly unknown[] }>(
  config: GatewayConfig['cache'],
  options: {
    sharedState: SharedStateStore;
    metrics: GatewayMetrics /** The URL each product's data source fetches from: its watermark is probed beside it. */;
    urlOf(product: string): string | undefined;
  },
): { products: WatermarkCache | undefined; answers: AnswerCache<Answer> | undefined } {
  if (!config.enabled) return { products: undefined, answers: undefined };
  const { metrics } = options;
  const watermarks = new WatermarkTracker({ checkIntervalMs: config.watermarkCheckMs });
  return {
    products: new WatermarkCache(options.sharedState, watermarks, { maxEntries: config.maxEntries, onLookup: (product, outcome) => metrics.cacheLookups.inc({ product, outcome }) }),
    answers: new AnswerCache<Answer>(watermarks, { maxEntries: config.maxAnswers, urlOf: options.urlOf, onLookup: (outcome) => metrics.answerCacheLookups.inc({ outcome }) }),
  };
}
