import { createHash } from 'node:crypto';
import type { Principal } from '../access/authentication.ts';
import type { SharedStateStore } from '../shared-state/key-value-store.ts';
import type { WatermarkTracker } from './watermark-tracker.ts';

/** A product's answer as the gateway consumes it. */
export interface CachedResponse {
  data?: unknown;
  errors?: readonly unknown[];
  extensions?: Record<string, unknown>;
}

/** One subgraph fetch, as much of it as decides the answer. */
export interface FetchIdentity {
  product: string;
  /** The product's GraphQL URL; its /watermark sits beside it. */
  url: string;
  /** The fetch's body: query, variables and operation name, serialized. */
  body: string;
  /** Whose fetch it is; see {@link authorizationScope}. */
  scope: string;
}

export interface FreshnessCacheStats {
  hits: number;
  misses: number;
  /** Fetches not cached: mutations, products without a watermark, answers with errors. */
  bypassed: number;
}

/**
 * Caches products' answers until their data changes. An entry's key holds the product's
 * version and data watermark, so when a product reports a new watermark every older entry
 * simply stops being asked for: there is no TTL to guess, and nothing to purge (old entries
 * age out under `maxEntries`). The key also holds the caller's authorization scope, so an
 * answer shaped for one caller's rights is never served to another.
 *
 * Values are stored serialized and parsed per use: Apollo's executor merges entity results
 * into the response in place, so two requests must never share one answer object.
 */
export class FreshnessCache {
  readonly stats: FreshnessCacheStats = { hits: 0, misses: 0, bypassed: 0 };
  /** Keys this gateway wrote, oldest first, to bound the entries it is responsible for. */
  private readonly written = new Set<string>();
  /** Identical misses in flight share one fetch; followers parse the leader's answer. */
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly store: SharedStateStore,
    private readonly watermarks: WatermarkTracker,
    private readonly options: { maxEntries: number; keyPrefix?: string; /** Told of every lookup, for metrics. */ onLookup?: (product: string, outcome: 'hit' | 'miss' | 'bypass') => void },
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
    const pending = this.inFlight.get(key);
    if (pending) {
      this.stats.hits++;
      this.options.onLookup?.(identity.product, 'hit');
      return JSON.parse(await pending) as R;
    }
    this.stats.misses++;
    this.options.onLookup?.(identity.product, 'miss');
    const leader = load();
    // Serialize before returning: the caller's executor starts mutating the object at once.
    const serialized = leader.then((response) => JSON.stringify(response));
    serialized.catch(() => undefined); // the leader's own await reports a failure
    this.inFlight.set(key, serialized);
    try {
      const response = await leader;
      const text = await serialized;
      if (!response.errors?.length) await this.remember(key, text);
      return response;
    } finally {
      this.inFlight.delete(key);
    }
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

/**
 * The caller's authorization scope as a cache-key part: a hash of what decides what a caller
 * may see: the `authorization` header and, once the gateway has resolved it, the principal
 * (its scopes sorted, since a Set has no JSON form of its own).
 */
export function authorizationScope(headers: Record<string, string | undefined>, principal?: Principal): string {
  const resolved = principal && { authenticated: principal.authenticated, subject: principal.subject, scopes: [...principal.scopes].sort(), client: principal.client };
  return createHash('sha256')
    .update(JSON.stringify([headers.authorization ?? '', resolved ?? null]))
    .digest('base64url');
}
