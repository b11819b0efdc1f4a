import type { Logger } from 'pino';
import { MemoryStore } from './memory-store.ts';
import type { SharedStateStore, TokenBucket, TokenDecision } from './key-value-store.ts';

/**
 * Redis first, memory when Redis fails. A gateway must keep serving when Redis goes away:
 * it degrades to per-replica state (caches miss more, limits count per replica) and logs
 * the change once, then once more when Redis is back.
 */
export class FailoverStore implements SharedStateStore {
  private degraded = false;

  constructor(
    private readonly primary: SharedStateStore,
    private readonly fallback: SharedStateStore = new MemoryStore(),
    private readonly log?: Logger,
  ) {}

  /** The backend answering right now. */
  get kind(): SharedStateStore['kind'] {
    return this.degraded ? this.fallback.kind : this.primary.kind;
  }

  get isDegraded(): boolean {
    return this.degraded;
  }

  private async run<T>(operation: (store: SharedStateStore) => Promise<T>): Promise<T> {
    try {
      const result = await operation(this.primary);
      if (this.degraded) {
        this.degraded = false;
        this.log?.info({ backend: this.primary.kind }, 'shared state: primary store is back; no longer degraded');
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.log?.warn({ backend: this.primary.kind, err: (error as Error).message }, 'shared state: primary store failed; degraded to memory');
      }
      return operation(this.fallback);
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.run((store) => store.get(key));
  }

  set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    return this.run((store) => store.set(key, value, ttlSeconds));
  }

  delete(key: string): Promise<void> {
    return this.run((store) => store.delete(key));
  }

  takeToken(key: string, bucket: TokenBucket): Promise<TokenDecision> {
    return this.run((store) => store.takeToken(key, bucket));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.close(), this.fallback.close()]);
  }
}
