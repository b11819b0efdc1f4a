/**
 * The one thing the registry's two databases (PostgreSQL, a DuckDB file) differ in, for its
 * stores: how a statement is run. Every store of the registry takes one.
 */
export interface SqlRunner {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query(sql: string, params?: readonly (string | number | boolean | null)[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
