import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { SharedStateStore, TokenBucket, TokenDecision } from './key-value-store.ts';

/**
 * The token bucket as one Lua script, so two replicas taking a token at the same moment
 * cannot both spend the last one. Same arithmetic as `refill`/`decide` in TypeScript.
 * Time comes from Redis (`TIME`), not from the replicas, whose clocks may disagree.
 */
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + ((now - last) / 1000) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return { allowed, retry, math.floor(tokens) }
`;

// ioredis is loaded by the first RedisStore, not on import: a gateway without Redis
// configured never loads it, and every module a replica loads stays in its heap. A
// synchronous require, so construction stays synchronous (ioredis is CommonJS).
const require = createRequire(import.meta.url);

export interface RedisStoreOptions {
  /** @example "redis://127.0.0.1:6379" */
  url: string;
  /** Prefix of every key, so several meshes can share one Redis. @default "meshgate:" */
  keyPrefix?: string;
  /**
   * Longest wait for one command's reply, in ms. A Redis that stops answering without
   * closing its socket (frozen, swapping, a partitioned network) otherwise holds every
   * request that touches shared state for as long as it is gone; a command past this
   * fails, and the failover store serves from memory instead. @default 250
   */
  commandTimeoutMs?: number;
}

/** Shared state in Redis: what makes N gateway replicas behave like one. */
export class RedisStore implements SharedStateStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;

  constructor(options: RedisStoreOptions) {
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.client = new RedisClient(options.url, {
      keyPrefix: options.keyPrefix ?? 'meshgate:',
      // Fail fast while Redis is away: callers fall back to memory instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: options.commandTimeoutMs ?? 250,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      lazyConnect: true,
    });
    // ioredis emits 'error' on every failed reconnect; the failover store reports state changes.
    this.client.on('error', () => {});
  }

  async connect(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds) await this.client.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    else await this.client.set(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async takeToken(key: string, bucket: TokenBucket): Promise<TokenDecision> {
    const [allowed, retry, remaining] = (await this.client.eval(TAKE_TOKEN, 1, key, bucket.capacity, bucket.refillPerSecond)) as [number, number, number];
    return { allowed: allowed === 1, retryAfterSeconds: retry, remaining };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
