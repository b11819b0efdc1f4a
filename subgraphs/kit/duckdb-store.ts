import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { QueryLog, type SeedableStore, type SeedRow, type StoreColumn, type StoreValue } from './store.ts';
import { readSeedVersion, writeSeedBookkeeping } from './watermark.ts';

const NUMERIC_DUCKDB_TYPE = /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;

/** How many connections serve queries at once; DuckDB runs each on its own thread pool. */
const CONNECTIONS = 4;

export class DuckDbStore implements SeedableStore {
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

  async columnsOf(relation: string): Promise<StoreColumn[]> {
    const reader = await this.connections[0]!.runAndReadAll(`SELECT * FROM ${relation} WHERE 1 = 0`);
    const types = reader.columnTypes();
    return reader.columnNames().map((name, index) => {
      const type = types[index]!.toString();
      return { name, type, numeric: NUMERIC_DUCKDB_TYPE.test(type) };
    });
  }

  /**
   * Makes each file (Parquet, CSV or JSON; globs allowed) a view of this in-memory database,
   * read in place: DuckDB picks the reader from the file's extension. Paths come from a
   * product's reviewed declaration, never from a request.
   */
  static async overFiles(files: Readonly<Record<string, string>>): Promise<DuckDbStore> {
    const store = await DuckDbStore.open(':memory:', { readOnly: false });
    for (const [view, path] of Object.entries(files)) {
      await store.connections[0]!.run(`CREATE VIEW "${view.replace(/"/g, '""')}" AS SELECT * FROM '${path.replace(/'/g, "''")}'`);
    }
    return store;
  }

  /** Bulk insert for seeding; far faster than INSERT statements. */
  async append(table: string, rows: readonly SeedRow[]): Promise<void> {
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
export async function ensureSeeded(path: string, seedVersion: string, seed: (store: SeedableStore) => Promise<void>): Promise<{ seeded: boolean }> {
  if (existsSync(path) && (await storedSeedVersion(path)) === seedVersion) return { seeded: false };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const store = await DuckDbStore.open(temporary, { readOnly: false });
  try {
    await seed(store);
    await writeSeedBookkeeping(store, seedVersion);
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
      return await readSeedVersion(store);
    } finally {
      await store.close();
    }
  } catch {
    return undefined; // unreadable file: reseed
  }
}
