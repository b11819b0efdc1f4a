/** A value a store query can bind. Arrays bind as lists, for `= ANY($1)` batch lookups. */
export type StoreValue = string | number | boolean | null | readonly string[] | readonly number[];

/** A column of a relation, as the engine reports it (see {@link DataStore.columnsOf}). */
export interface StoreColumn {
  name: string;
  /** The engine's type name, e.g. `INTEGER`, `varchar`, `NEWDECIMAL`. */
  type: string;
  /** Whether values compare as numbers: keys bound to it are sent as numbers. */
  numeric: boolean;
}

/** The engines the kit serves from; each has a store here and a dialect in `DIALECTS`. */
export type StoreKind = 'duckdb' | 'postgres' | 'mysql';

/**
 * The one way a data product reaches its own data. Each product gets its own store and
 * nothing else: no product can open another product's database. SQL uses `$1` placeholders
 * and `= ANY($1)` for batches, which DuckDB and Postgres both accept; the MySQL store takes
 * `?` placeholders (declared products build their SQL through the store's dialect).
 */
export interface DataStore {
  readonly kind: StoreKind;
  /** Rows as plain JSON values: dates as `YYYY-MM-DD`, integers cast in SQL where counted. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly StoreValue[]): Promise<Row[]>;
  /** Every statement this store ran, for tests that prove batching. */
  readonly log: QueryLog;
  /**
   * The columns of `relation` (a quoted table name or a parenthesised SELECT with an alias),
   * read from the engine without fetching a row. Start-up bookkeeping, so never logged.
   * Declared products check their declaration with it; a store without it is not checked.
   */
  columnsOf?(relation: string): Promise<StoreColumn[]>;
  close(): Promise<void>;
}

/** A row for bulk insert, in the table's column order. */
export type SeedRow = readonly (string | number | null)[];

/** A store being seeded: it can also bulk-insert rows. Serving never gets one. */
export interface SeedableStore extends DataStore {
  append(table: string, rows: readonly SeedRow[]): Promise<void>;
}

/** Records the SQL a store ran; tests take it as their handle on what happened. */
export class QueryLog {
  /** Most statements kept: a long-running product must not grow a log nobody reads. */
  static readonly LIMIT = 10_000;
  private entries: string[] = [];

  record(sql: string): void {
    // Trimmed by half at twice the limit, so a busy product pays for it once per LIMIT statements.
    if (this.entries.length >= 2 * QueryLog.LIMIT) this.entries = this.entries.slice(-QueryLog.LIMIT);
    this.entries.push(sql.replace(/\s+/g, ' ').trim());
  }

  /** The most recent statements, oldest first: at least the last {@link QueryLog.LIMIT}. */
  get statements(): readonly string[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}
