import mysql from 'mysql2/promise';
import { QueryLog, type DataStore, type StoreColumn, type StoreValue } from './store.ts';

/** mysql2's column type codes that hold numbers (DECIMAL, TINY, SHORT, LONG, FLOAT, DOUBLE, LONGLONG, INT24, NEWDECIMAL). */
const NUMERIC_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 246]);

/**
 * A declared product's store on MySQL or MariaDB. Statements are prepared on the server
 * (`execute`), so every value is a bound parameter; SQL takes `?` placeholders, which the
 * declared product's MySQL dialect writes. Dates come back as `YYYY-MM-DD` strings and
 * decimals as numbers, as they do from DuckDB and Postgres, so a product answers the same
 * on every engine.
 */
export class MySqlStore implements DataStore {
  readonly kind = 'mysql' as const;
  readonly log = new QueryLog();

  private constructor(private readonly pool: mysql.Pool) {}

  /** @param url `mysql://user:password@host:3306/database` */
  static open(url: string, options: { max?: number } = {}): MySqlStore {
    return new MySqlStore(mysql.createPool({ uri: url, connectionLimit: options.max ?? 8, dateStrings: true, decimalNumbers: true, supportBigNumbers: true }));
  }

  async query<Row extends object = Record<string, unknown>>(sql: string, params: readonly StoreValue[] = []): Promise<Row[]> {
    this.log.record(sql);
    const [rows] = await this.pool.execute(sql, params as unknown as (string | number | boolean | null)[]);
    return rows as Row[];
  }

  async columnsOf(relation: string): Promise<StoreColumn[]> {
    const [, fields] = await this.pool.query(`SELECT * FROM ${relation} WHERE 1 = 0`);
    return (fields ?? []).map((field) => ({ name: field.name, type: String(field.columnType), numeric: NUMERIC_TYPES.has(field.columnType ?? -1) }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
