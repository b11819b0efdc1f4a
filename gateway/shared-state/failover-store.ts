import type { Logger } from 'pino';
import { MemoryStore } from './memory-store.ts';
import type { SharedStateStore, TokenBucket, TokenDecision } from './key-value-store.ts';

/** A key no caller writes: reading it is a cheap round trip that tells whether the primary answers. */
const PROBE_KEY = 'failover:probe';

export interface FailoverOptions {
  /**
   * While degraded, how often one background read checks whether the primary answers again.
   * @default 500
   */
  probeIntervalMs?: number;
  now?: () => number;
}

/**
 * Redis first, memory when Redis fails. A gateway must keep serving when Redis goes away:
 * it degrades to per-replica state (caches miss more, limits count per replica) and logs
 * the change once, then once more when Redis is back.
 *
 * A command that times out counts as a failure (the Redis store bounds each command). Once
 * degraded, requests go straight to memory instead of trying the primary first: a frozen
 * Redis would otherwise cost every request the whole command timeout. One background read
 * at a time, at most every `probeIntervalMs`, tells when the primary answers again.
 */
export class FailoverStore implements SharedStateStore {
  private degraded = false;
  private probing = false;
  private nextProbeAt = 0;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly primary: SharedStateStore,
    private readonly fallback: SharedStateStore = new MemoryStore(),
    private readonly log?: Logger,
    options: FailoverOptions = {},
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** The backend answering right now. */
  get kind(): SharedStateStore['kind'] {
    return this.degraded ? this.fallback.kind : this.primary.kind;
  }

  get isDegraded(): boolean {
    return this.degraded;
  }

  private async run<T>(operation: (store: SharedStateStore) => Promise<T>): Promise<T> {
    if (this.degraded) {
      this.probe();
      return operation(this.fallback);
    }
    try {
      return await operation(this.primary);
    } catch (error) {
      this.degrade(error as Error);
      return operation(this.fallback);
    }
  }

  private degrade(error: Error): void {
    if (this.degraded) return;
    this.degraded = true;
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    this.log?.warn({ backend: this.primary.kind, err: error.message }, 'shared state: primary store failed; degraded to memory');
  }

  /** Starts one background check of the primary, unless one is out or the last was too recent. */
  private probe(): void {
    if (this.probing || this.now() < this.nextProbeAt) return;
    this.probing = true;
    this.primary.get(PROBE_KEY).then(
      () => {
        this.probing = false;
        this.degraded = false;
        this.log?.info({ backend: this.primary.kind }, 'shared state: primary store is back; no longer degraded');
      },
      () => {
        this.probing = false;
        this.nextProbeAt = this.now() + this.probeIntervalMs;
      },
    );
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
