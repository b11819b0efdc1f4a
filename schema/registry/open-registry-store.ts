import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import { SqlRegistryStore, type RegistryStore } from './registry-store.ts';
import type { SqlRunner } from './sql-runner.ts';

/** The embedded default: one DuckDB file beside where the registry runs. */
export const DEFAULT_REGISTRY_FILE = '.meshgate/registry.duckdb';

const POSTGRES_URL = /^postgres(ql)?:\/\//;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Each driver is loaded by the store that needs it: a registry on one never loads the other.
const require = createRequire(import.meta.url);

/**
 * PostgreSQL. `?schema=NAME` on the URL keeps the registry's tables in a schema of their own
 * (created if missing), so one database can hold several registries, or several tests.
 */
async function postgresRunner(location: string): Promise<SqlRunner> {
  const url = new URL(location);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'registry store', [`schema: must be a lower-case SQL identifier (got ${JSON.stringify(schema)})`]);
  }
  const pg = require('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 4,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    async query(sql, params = []) {
      return (await pool.query(sql, [...params])).rows as Record<string, unknown>[];
    },
    close: () => pool.end(),
  };
}

/** DuckDB in one file: no server. One process owns the file while the registry runs. */
async function duckDbRunner(file: string): Promise<SqlRunner> {
  const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  // One statement at a time on the one connection: gateways poll while a publish writes.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query(sql, params = []) {
      const run = queue.then(async () => (await connection.runAndReadAll(sql, [...params])).getRowObjectsJson() as Record<string, unknown>[]);
      queue = run.catch(() => {});
      return run;
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A registry store from a location: a `postgres://` URL, or a DuckDB file path (the default). */
export async function openRegistryStore(location: string = DEFAULT_REGISTRY_FILE): Promise<RegistryStore> {
  const postgres = POSTGRES_URL.test(location);
  // Named without the URL: it may carry a password.
  const name = postgres ? 'the PostgreSQL registry store' : location;
  let runner: SqlRunner | undefined;
  try {
    runner = postgres ? await postgresRunner(location) : await duckDbRunner(location);
    return await SqlRegistryStore.open(runner);
  } catch (error) {
    await runner?.close().catch(() => {});
    if (error instanceof ConfigError) throw error;
    // A store that cannot be opened (a server down, a file another registry holds) is the operator's to fix: one clear line.
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, name, [`cannot be opened: ${(error as Error).message}`]);
  }
}
