import DataLoader from 'dataloader';
import type { DataStore } from './store.ts';

/**
 * DataLoaders over a product's store. The kit creates them per request (never shared: once
 * policies depend on who asks, a shared cache would leak one caller's rows to another), and
 * each batch is one `= ANY($1)` statement however many keys the query plan sends.
 */

/** One row per key, or null: `sql` must select `keyColumn` and filter `keyColumn = ANY($1)`. */
export function rowByKeyLoader<Row extends Record<string, unknown>>(store: DataStore, sql: string, keyColumn: string) {
  return new DataLoader<string, Row | null>(async (keys) => {
    const rows = await store.query<Row>(sql, [[...keys]]);
    const byKey = new Map(rows.map((row) => [String(row[keyColumn]), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** All rows per key, in the order the SQL returns them. */
export function rowsByKeyLoader<Row extends Record<string, unknown>>(store: DataStore, sql: string, keyColumn: string) {
  return new DataLoader<string, Row[]>(async (keys) => {
    const rows = await store.query<Row>(sql, [[...keys]]);
    const byKey = new Map<string, Row[]>();
    for (const row of rows) {
      const key = String(row[keyColumn]);
      const list = byKey.get(key);
      if (list) list.push(row);
      else byKey.set(key, [row]);
    }
    return keys.map((key) => byKey.get(key) ?? []);
  });
}
