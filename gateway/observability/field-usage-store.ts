import { existsSync, mkdirSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Pool } from 'pg';
import { clientUsageOf, type ClientFieldUsage, type FieldUsageRow, type FieldUsageSource } from '../../schema/contracts/field-usage.ts';
import { utcDay } from '../../schema/base/utc-day.ts';

/** A usage store the gateway records into. Recording is synchronous and only buffers. */
export interface FieldUsageStore extends FieldUsageSource {
  /**
   * Counts one operation of `client` selecting each coordinate. `application` is the one the
   * caller's verified token names (never a header): kept with the count, so a breaking-change
   * check can tell who it would hit from a name anyone could send.
   */
  record(client: string, coordinates: readonly string[], day?: string, application?: string): void;
  /** Writes the buffer out now; also runs on a timer and on close. */
  flush(): Promise<void>;
  /** How many flushes wrote rows: what the store holds changes only when this does (the catalog rebuilds on it). */
  readonly writes: number;
}

export type UsageRow = FieldUsageRow;

/**
 * Counts in memory and writes per-day totals out in batches, so recording costs a
 * request a map update and never a write. What a crash loses is at most one flush
 * interval of counts, which is fine for "who still uses this field".
 */
export abstract class BufferedUsageStore implements FieldUsageStore {
  private buffer = new Map<string, UsageRow>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  writes = 0;

  constructor(flushIntervalMs: number) {
    if (flushIntervalMs > 0) {
      // A failed timed flush (store down or timing out) must not become an unhandled rejection.
      this.timer = setInterval(() => void this.flush().catch(() => {}), flushIntervalMs);
      // A pending flush must not keep a CLI or a test process alive.
      this.timer.unref();
    }
  }

  record(client: string, coordinates: readonly string[], day = utcDay(), application?: string): void {
    for (const coordinate of coordinates) {
      const key = `${day}\t${client}\t${coordinate}\t${application ?? ''}`;
      const row = this.buffer.get(key);
      if (row) row.count++;
      else this.buffer.set(key, { day, client, coordinate, count: 1, ...(application ? { application } : {}) });
    }
  }

  flush(): Promise<void> {
    // Flushes run one after another so two batches never interleave their writes.
    // After a failed flush, the next one still runs (a rejected chain would skip them all).
    this.flushing = this.flushing
      .catch(() => {})
      .then(async () => {
        if (this.buffer.size === 0) return;
        const rows = [...this.buffer.values()];
        this.buffer = new Map();
        await this.write(rows);
        this.writes++;
      });
    return this.flushing;
  }

  async clientsUsing(coordinate: string, sinceDay: string, untilDay: string): Promise<ClientFieldUsage[]> {
    await this.flush();
    return clientUsageOf(await this.read(coordinate, sinceDay, untilDay));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.dispose();
  }

  protected abstract write(rows: readonly UsageRow[]): Promise<void>;
  /** Stored rows of one coordinate between two days, both included. */
  protected abstract read(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]>;
  protected async dispose(): Promise<void> {}
}

/**
 * The embedded default: JSON lines appended to one file (`.meshgate/usage.jsonl`). Appends
 * of whole lines keep several gateway processes on one machine from corrupting each
 * other's rows, and `meshgate check` can read the file while a gateway writes it: a
 * database file would be locked by its writer.
 */
export class JsonLinesUsageStore extends BufferedUsageStore {
  constructor(
    readonly file: string,
    flushIntervalMs = 5_000,
  ) {
    super(flushIntervalMs);
  }

  protected async write(rows: readonly UsageRow[]): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    await appendFile(this.file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  }

  protected async read(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]> {
    if (!existsSync(this.file)) return [];
    const rows: UsageRow[] = [];
    for (const line of (await readFile(this.file, 'utf8')).split('\n')) {
      if (!line.includes(coordinate)) continue; // cheap pre-filter before parsing
      try {
        const row = JSON.parse(line) as UsageRow;
        if (row.coordinate === coordinate && row.day >= sinceDay && row.day <= untilDay) rows.push(row);
      } catch {
        // A line cut short by a crash mid-append: skip it rather than fail the check.
      }
    }
    return rows;
  }
}

// pg is loaded by the first PostgresUsageStore, not on import: the default (a JSON-lines
// file) never loads it, and every module a gateway replica loads stays in its heap.
const require = createRequire(import.meta.url);

/** Usage shared by every gateway replica, in one Postgres table. */
export class PostgresUsageStore extends BufferedUsageStore {
  private readonly pool: Pool;
  private ready: Promise<unknown> | undefined;

  constructor(url: string, flushIntervalMs = 5_000) {
    super(flushIntervalMs);
    const pg = require('pg') as typeof import('pg');
    // Bounded waits: a Postgres that stops answering must not hold a flush (and the
    // gateway's close, which flushes) for good. A flush that times out keeps nothing;
    // usage counts are best effort by design.
    this.pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 2_000, statement_timeout: 5_000, query_timeout: 6_000 });
  }

  private ensureTable(): Promise<unknown> {
    this.ready ??= this.createTable().catch((error: unknown) => {
      this.ready = undefined; // try again on the next flush
      throw error;
    });
    return this.ready;
  }

  private async createTable(): Promise<void> {
    // Replicas starting together race on CREATE TABLE IF NOT EXISTS (Postgres then fails
    // one with a duplicate pg_type key): a transaction-scoped advisory lock serialises them.
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN;
        SELECT pg_advisory_xact_lock(hashtext('meshgate_field_usage'));
        CREATE TABLE IF NOT EXISTS meshgate_field_usage (
          day DATE NOT NULL, client TEXT NOT NULL, coordinate TEXT NOT NULL, count BIGINT NOT NULL,
          PRIMARY KEY (day, client, coordinate));
        CREATE TABLE IF NOT EXISTS meshgate_application_usage (
          day DATE NOT NULL, application TEXT NOT NULL, client TEXT NOT NULL, coordinate TEXT NOT NULL, count BIGINT NOT NULL,
          PRIMARY KEY (day, application, client, coordinate));
        COMMIT;`);
      client.release();
    } catch (error) {
      client.release(error as Error); // discard the connection: its transaction is aborted
      throw error;
    }
  }

  protected async write(rows: readonly UsageRow[]): Promise<void> {
    await this.ensureTable();
    // One statement per batch and table; replicas add to the same row instead of racing to insert it.
    const named = rows.filter((r) => !r.application);
    const verified = rows.filter((r) => r.application);
    if (named.length > 0) {
      await this.pool.query(
        `INSERT INTO meshgate_field_usage (day, client, coordinate, count)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[])
         ON CONFLICT (day, client, coordinate) DO UPDATE SET count = meshgate_field_usage.count + EXCLUDED.count`,
        [named.map((r) => r.day), named.map((r) => r.client), named.map((r) => r.coordinate), named.map((r) => r.count)],
      );
    }
    if (verified.length > 0) {
      await this.pool.query(
        `INSERT INTO meshgate_application_usage (day, application, client, coordinate, count)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::bigint[])
         ON CONFLICT (day, application, client, coordinate) DO UPDATE SET count = meshgate_application_usage.count + EXCLUDED.count`,
        [verified.map((r) => r.day), verified.map((r) => r.application), verified.map((r) => r.client), verified.map((r) => r.coordinate), verified.map((r) => r.count)],
      );
    }
  }

  protected async read(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]> {
    await this.ensureTable();
    const where = 'WHERE coordinate = $1 AND day BETWEEN $2::date AND $3::date';
    const result = await this.pool.query<{ day: string; client: string; count: string; application: string | null }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, client, count::text AS count, NULL::text AS application FROM meshgate_field_usage ${where}
       UNION ALL SELECT to_char(day, 'YYYY-MM-DD'), client, count::text, application FROM meshgate_application_usage ${where}`,
      [coordinate, sinceDay, untilDay],
    );
    return result.rows.map((row) => ({ day: row.day, client: row.client, coordinate, count: Number(row.count), ...(row.application ? { application: row.application } : {}) }));
  }

  protected override async dispose(): Promise<void> {
    await this.pool.end();
  }
}

/** A usage store from a location: a `postgres://` URL, or a JSON-lines file path. */
export function openUsageStore(location: string, flushIntervalMs?: number): FieldUsageStore {
  return /^postgres(ql)?:\/\//.test(location) ? new PostgresUsageStore(location, flushIntervalMs) : new JsonLinesUsageStore(location, flushIntervalMs);
}
