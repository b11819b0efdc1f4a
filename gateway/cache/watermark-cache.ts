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
 * The watermark cache: products' answers kept until the product's data watermark moves (not
 * its SLA freshness, nor the watermarks the catalog shows). The key holds the product's version
 * and watermark, the fetch's body and the forwarded claims, so a new watermark retires every
 * older entry with no TTL and no purge (old ones age out under `maxEntries`). Values are stored
 * serialized and parsed per use: the executor merges into answers in place. The life-cycle
 * document ("What callers share") says what may be shared.
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
