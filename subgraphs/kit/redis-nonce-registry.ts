import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { MemoryNonceRegistry, type NonceRegistry } from '../../schema/protocol/signature-verifier.ts';

// Loaded only by a product configured with Redis: the rest never pay for ioredis.
const require = createRequire(import.meta.url);

export interface RedisNonceRegistryOptions {
  /** @example "redis://redis.internal:6379" */
  url: string;
  /** Prefix of every key, so several meshes can share one Redis. @default "meshgate:" */
  keyPrefix?: string;
  /** How long one Redis command may take before the registry falls back to memory. @default 250 */
  commandTimeoutMs?: number;
  /** Told once when Redis stops answering and once when it is back. @default a line on stderr */
  onStateChange?: (state: 'degraded' | 'shared', reason?: string) => void;
}

/**
 * Accepted nonces shared by every replica of a product, and kept across restarts: `SET NX`
 * with the nonce's remaining lifetime, so Redis forgets it when the signature would have
 * expired anyway.
 *
 * If Redis stops answering (down, or frozen past the command timeout) the product keeps
 * serving with per-process memory and says so: refusing every request would let a Redis
 * outage take the whole product down, while memory still refuses replays to this replica.
 * It returns to Redis on the next command that succeeds.
 */
export class RedisNonceRegistry implements NonceRegistry {
  private readonly client: Redis;
  private readonly memory = new MemoryNonceRegistry();
  private readonly keyPrefix: string;
  private readonly onStateChange: NonNullable<RedisNonceRegistryOptions['onStateChange']>;
  private degraded = false;

  constructor(options: RedisNonceRegistryOptions) {
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.keyPrefix = options.keyPrefix ?? 'meshgate:';
    this.onStateChange =
      options.onStateChange ??
      ((state, reason) =>
        process.stderr.write(
          `${JSON.stringify({ level: 'warn', msg: `signature nonces: ${state === 'degraded' ? 'Redis unavailable, remembering nonces in this process only' : 'back on Redis'}`, reason })}\n`,
        ));
    this.client = new RedisClient(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 250,
      // Fail a command at once while disconnected instead of queueing it behind a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      // A frozen Redis must not hold the product's start-up for long.
      connectTimeout: 2_000,
    });
    // Connection errors surface through the commands that fail; an unhandled 'error' event would crash the product.
    this.client.on('error', () => {});
  }

  /**
   * Connects before the product serves, so its first requests are shared too. Redis being
   * down at start-up is not fatal: the product starts degraded and the next command retries.
   */
  async connect(): Promise<void> {
    await this.client.connect().catch((error: Error) => {
      this.degraded = true;
      this.onStateChange('degraded', error.message);
    });
  }

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(1, Math.ceil(expiresAt - Date.now()));
    try {
      const answer = await this.client.set(`${this.keyPrefix}nonce:${nonce}`, '1', 'PX', ttlMs, 'NX');
      if (this.degraded) {
        this.degraded = false;
        this.onStateChange('shared');
      }
      // Also remembered locally, so a replay to this replica is refused even during an outage that starts next.
      await this.memory.claim(nonce, expiresAt);
      return answer === 'OK';
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.onStateChange('degraded', (error as Error).message);
      }
      return this.memory.claim(nonce, expiresAt);
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
