import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.ts';
import { FailoverStore } from './failover-store.ts';
import type { SharedStateStore } from './key-value-store.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';

/** Redis with a memory fallback when a Redis URL is configured; memory otherwise. */
export async function openSharedState(config: GatewayConfig['sharedState'], logger: Logger): Promise<SharedStateStore> {
  if (!config.redisUrl) return new MemoryStore();
  const redis = new RedisStore({ url: config.redisUrl, keyPrefix: config.keyPrefix, commandTimeoutMs: config.commandTimeoutMs });
  const store = new FailoverStore(redis, new MemoryStore(), logger);
  // Redis being down at start-up is not fatal: the gateway starts degraded and recovers.
  await redis.connect().catch((error: Error) => logger.warn({ err: error.message }, 'shared state: Redis unreachable at start-up; using memory until it is back'));
  return store;
}
