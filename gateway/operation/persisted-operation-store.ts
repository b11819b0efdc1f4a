import type { SharedStateStore } from '../shared-state/key-value-store.ts';

/**
 * Where persisted operations (APQ registrations) are kept. The shape is Apollo Server's
 * `KeyValueCache`, so a store plugs straight into its `persistedQueries.cache`; replicas
 * that must share registrations get a Redis implementation of the same three methods.
 */
export interface PersistedOperationStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, body: string, options?: { ttl?: number | null }): Promise<void>;
  // biome-ignore lint/suspicious/noConfusingVoidType: Apollo's KeyValueCache declares it so, and this plugs into it
  delete(id: string): Promise<boolean | void>;
}

/**
 * An in-process store with a bound on entries: least recently used goes first, so a
 * client registering endless distinct queries cannot grow the gateway's memory.
 */
export class MemoryOperationStore implements PersistedOperationStore {
  private readonly entries = new Map<string, string>();

  constructor(private readonly maxEntries: number) {}

  async get(id: string): Promise<string | undefined> {
    const body = this.entries.get(id);
    if (body !== undefined) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.entries.delete(id);
      this.entries.set(id, body);
    }
    return body;
  }

  async set(id: string, body: string): Promise<void> {
    this.entries.delete(id);
    this.entries.set(id, body);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async delete(id: string): Promise<boolean> {
    return this.entries.delete(id);
  }
}

/** How long a registration lives in shared state without being registered again. */
const SHARED_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Registrations in the state gateway replicas share (Redis): a query registered through
 * one replica is served by hash from every other. Redis expires old entries, so a client
 * registering endless distinct queries cannot grow it without bound.
 */
export class SharedOperationStore implements PersistedOperationStore {
  constructor(private readonly shared: SharedStateStore) {}

  get(id: string): Promise<string | undefined> {
    return this.shared.get(id);
  }

  set(id: string, body: string): Promise<void> {
    return this.shared.set(id, body, SHARED_TTL_SECONDS);
  }

  delete(id: string): Promise<void> {
    return this.shared.delete(id);
  }
}

/**
 * Apollo Server prefixes every key it hands the APQ cache (`apq:<hash>`) so one cache can
 * be shared with other uses; manifest ids are matched without it.
 */
const APOLLO_APQ_PREFIX = 'apq:';

function manifestId(key: string): string {
  return key.startsWith(APOLLO_APQ_PREFIX) ? key.slice(APOLLO_APQ_PREFIX.length) : key;
}

/**
 * The manifest's operations in front of a store: ids from the manifest always resolve,
 * whatever the store evicts, and registrations go to the store (or nowhere, without APQ).
 */
export class ManifestBackedStore implements PersistedOperationStore {
  constructor(
    private readonly manifest: ReadonlyMap<string, string>,
    private readonly store: PersistedOperationStore | undefined,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.manifest.get(manifestId(key)) ?? (await this.store?.get(key));
  }

  async set(key: string, body: string, options?: { ttl?: number | null }): Promise<void> {
    if (!this.manifest.has(manifestId(key))) await this.store?.set(key, body, options);
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: the interface's type, which is Apollo's KeyValueCache's
  async delete(id: string): Promise<boolean | void> {
    return this.store?.delete(id);
  }
}
