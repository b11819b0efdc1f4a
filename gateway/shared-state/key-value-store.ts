/** The outcome of taking one token from a rate-limit bucket. */
export interface TokenDecision {
  allowed: boolean;
  /** Seconds until a token will be available; 0 when allowed. */
  retryAfterSeconds: number;
  remaining: number;
}

export interface TokenBucket {
  /** Most tokens the bucket holds: the burst a client may send at once. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

/**
 * State that gateway replicas share: persisted queries, cache entries and rate-limit
 * buckets. Redis in production, memory on a laptop; callers cannot tell which.
 */
export interface SharedStateStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  /** Stores `value`; `ttlSeconds` expires it. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes one token from the bucket `key`, atomically across replicas. */
  takeToken(key: string, bucket: TokenBucket): Promise<TokenDecision>;
  close(): Promise<void>;
}

/** Token-bucket arithmetic shared by every backend (Redis runs the same steps in Lua). */
export function refill(tokens: number, lastMs: number, nowMs: number, bucket: TokenBucket): number {
  return Math.min(bucket.capacity, tokens + ((nowMs - lastMs) / 1000) * bucket.refillPerSecond);
}

export function decide(tokens: number, bucket: TokenBucket): TokenDecision & { tokensAfter: number } {
  if (tokens >= 1) return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(tokens - 1), tokensAfter: tokens - 1 };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / bucket.refillPerSecond)), remaining: 0, tokensAfter: tokens };
}
