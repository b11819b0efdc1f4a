import { createHash } from 'node:crypto';
import type { SharedStateStore } from '../shared-state/key-value-store.ts';
import { Singleflight } from '../primitives/singleflight.ts';
import type { CachedResponse, FetchIdentity, ProductAnswerCache } from '../transport/cache-layer.ts';
import type { WatermarkTracker } from './watermark-tracker.ts';

export interface WatermarkCacheStats {
  hits: number;
  misses: number;
  /** Fetches not cached: mutations, products without a watermark, answers with errors. */
  bypassed: number;
}

/**
 * The watermark cache: products' answers kept until the product's data watermark moves.
 * (Not to be confused with a product's SLA freshness, the promise of how old its data may
 * be, nor with the watermarks seen in responses that the catalog shows.) An entry's key holds the product's
 * version and data watermark, so when a product reports a new watermark every older entry
 * simply stops being asked for: there is no TTL to guess, and nothing to purge (old entries
 * age out under `maxEntries`). The key is what the product was asked: the fetch's body, which
 * the planner made from the operation after access pruning (callers with other rights ask
 * other fields), and the caller claims forwarded with it (none today). A product answer is
 * never shaped for the caller, so callers with equal rights share it, whatever their token.
 *
 * Values are stored serialized and parsed per use: the executor merges entity results into
 * the response in place, so two requests must never share one answer object.
 */
export class WatermarkCache implements ProductAnswerCache {
  readonly stats: WatermarkCacheStats = { hits: 0, misses: 0, bypassed: 0 };
  /** Keys this gateway wrote, oldest first, to bound the entries it is responsible for. */
  private readonly written = new Set<string>();
  private readonly inFlight = new Singleflight<string>();

  constructor(
    private readonly store: SharedStateStore,
    private readonly watermarks: WatermarkTracker,
    private readonly options: { maxEntries: number; keyPrefix?: string /** Told of every lookup, for metrics. */; onLookup?: (product: string, outcome: 'hit' | 'miss' | 'bypass') => void },
  ) {}

  async fetch<R extends CachedResponse>(identity: FetchIdentity, load: () => Promise<R>): Promise<R> {
    const watermark = await this.watermarks.current(identity.product, identity.url);
    if (!watermark) {
      this.stats.bypassed++;
      this.options.onLookup?.(identity.product, 'bypass');
      return load();
    }
    const key = `${this.options.keyPrefix ?? 'fc:'}${identity.product}:${createHash('sha256')
      .update(JSON.stringify([watermark.version, watermark.dataAsOf, identity.scope]))
      .update(identity.body)
      .digest('base64url')}`;
    const stored = await this.store.get(key);
    if (stored !== undefined) {
      this.stats.hits++;
      this.options.onLookup?.(identity.product, 'hit');
      return JSON.parse(stored) as R;
    }
    // Identical misses in flight share one fetch; the leader keeps its own answer object,
    // followers parse the text it was serialized to before its executor could mutate it.
    let own: R | undefined;
    const flight = this.inFlight.join(key, async () => {
      const response = await load();
      own = response;
      const text = JSON.stringify(response);
      if (!response.errors?.length) await this.remember(key, text);
      return text;
    });
    if (flight.shared) {
      this.stats.hits++;
      this.options.onLookup?.(identity.product, 'hit');
      return JSON.parse(await flight.result) as R;
    }
    this.stats.misses++;
    this.options.onLookup?.(identity.product, 'miss');
    await flight.result;
    return own!;
  }

  private async remember(key: string, text: string): Promise<void> {
    await this.store.set(key, text);
    this.written.delete(key);
    this.written.add(key);
    if (this.written.size <= this.options.maxEntries) return;
    const oldest = this.written.keys().next().value!;
    this.written.delete(oldest);
    await this.store.delete(oldest);
  }
}
