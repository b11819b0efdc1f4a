import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { QueryLog, type DataStore, type StoreValue } from './store.ts';

/** How many connections serve queries at once; DuckDB runs each on its own thread pool. */
const CONNECTIONS = 4;

/** Reads the store's freshness watermark (ISO 8601), or null for a store without one. */
export async function readWatermark(store: DataStore): Promise<string | null> {
  try {
    const rows = await store.query<{ data_as_of: string | null }>('SELECT max(data_as_of) AS data_as_of FROM meshgate_watermark');
    return rows[0]?.data_as_of ?? null;
  } catch {
    return null;
  }
}

export class DuckDbStore implements DataStore {
  readonly kind = 'duckdb' as const;
  readonly log = new QueryLog();
  private next = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connections: DuckDBConnection[],
  ) {}

  /**
   * Opens a product's database file. Serving opens it read-only: a data product's interface
   * never writes its store, and several processes (tests, replicas) can share the file.
   */
  static async open(path: string, options: { readOnly: boolean } = { readOnly: true }): Promise<DuckDbStore> {
    const instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => instance.connect()));
    return new DuckDbStore(instance, connections);
  }

  async query<Row extends object = Record<string, unknown>>(sql: string, params: readonly StoreValue[] = []): Promise<Row[]> {
    this.log.record(sql);
    const connection = this.connections[this.next++ % this.connections.length]!;
    const values = params.map((value): DuckDBValue => (Array.isArray(value) ? listValue([...value]) : (value as DuckDBValue)));
    const reader = await connection.runAndReadAll(sql, values);
    return reader.getRowObjectsJson() as Row[];
  }

  /** Bulk insert for seeding; far faster than INSERT statements. */
  async append(table: string, rows: readonly (readonly (string | number | null)[])[]): Promise<void> {
    const appender = await this.connections[0]!.createAppender(table);
    for (const row of rows) {
      for (const value of row) {
        if (value === null) appender.appendNull();
        else if (typeof value === 'string') appender.appendVarchar(value);
        else if (Number.isInteger(value)) appender.appendInteger(value);
        else appender.appendDouble(value);
      }
      appender.endRow();
    }
    appender.closeSync();
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Seeds a database file if it is missing or was seeded by another seed version. The seed
 * is written to a temporary file and renamed into place, so a crash mid-seed leaves no
 * half-seeded store behind, and two processes seeding at once both end with a whole file.
 */
export async function ensureSeeded(
  path: string,
  seedVersion: string,
  seed: (store: DuckDbStore) => Promise<void>,
): Promise<{ seeded: boolean }> {
  if (existsSync(path) && (await storedSeedVersion(path)) === seedVersion) return { seeded: false };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const store = await DuckDbStore.open(temporary, { readOnly: false });
  try {
    await seed(store);
    await store.query('CREATE TABLE meshgate_seed (seed_version VARCHAR NOT NULL)');
    await store.query('INSERT INTO meshgate_seed VALUES ($1)', [seedVersion]);
    // The freshness watermark: when this store's data was last loaded. A real pipeline
    // writes it at the end of each load; the product reports it with every answer.
    await store.query('CREATE TABLE meshgate_watermark (data_as_of VARCHAR NOT NULL)');
    await store.query('INSERT INTO meshgate_watermark VALUES ($1)', [new Date().toISOString()]);
    await store.query('CHECKPOINT');
  } finally {
    await store.close();
  }
  renameSync(temporary, path);
  return { seeded: true };
}

async function storedSeedVersion(path: string): Promise<string | undefined> {
  try {
    const store = await DuckDbStore.open(path);
    try {
      // A store from before watermarks fails here and is reseeded.
      const rows = await store.query<{ seed_version: string }>('SELECT seed_version FROM meshgate_seed, (SELECT max(data_as_of) FROM meshgate_watermark)');
      return rows[0]?.seed_version;
    } finally {
      await store.close();
    }
  } catch {
    return undefined; // missing table or unreadable file: reseed
  }
}
