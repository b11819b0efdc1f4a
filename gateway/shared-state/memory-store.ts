import { decide, refill, type SharedStateStore, type TokenBucket, type TokenDecision } from './key-value-store.ts';

/** Largest number of keys kept; the oldest go first. Bounds memory under key churn. */
const MAX_ENTRIES = 100_000;

/** One process's shared state: the default, and the fallback while Redis is away. */
export class MemoryStore implements SharedStateStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly buckets = new Map<string, { tokens: number; lastMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.entries.delete(key); // re-insert so Map order is least-recently-written first
    this.entries.set(key, { value, expiresAt: ttlSeconds ? this.now() + ttlSeconds * 1000 : Number.POSITIVE_INFINITY });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async takeToken(key: string, bucket: TokenBucket): Promise<TokenDecision> {
    const now = this.now();
    const state = this.buckets.get(key) ?? { tokens: bucket.capacity, lastMs: now };
    const decision = decide(refill(state.tokens, state.lastMs, now, bucket), bucket);
    this.buckets.set(key, { tokens: decision.tokensAfter, lastMs: now });
    if (this.buckets.size > MAX_ENTRIES) this.buckets.delete(this.buckets.keys().next().value!);
    return { allowed: decision.allowed, retryAfterSeconds: decision.retryAfterSeconds, remaining: decision.remaining };
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.buckets.clear();
  }
}
