import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * A registry that kept agreements before requests could name scopes: its table has no
 * `scopes` column. Opening it adds the column, its requests read as naming none, and new
 * ones keep theirs, on both stores.
 */
const postgres = await postgresAvailable();
const SCHEMA = `agreements_upgrade_${process.pid}_${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'agreements-upgrade-'));
/** The table as the registry created it before scopes. */
const BEFORE_SCOPES = [
  'CREATE TABLE registry_agreements (id INTEGER PRIMARY KEY, consumer TEXT NOT NULL, product TEXT NOT NULL, classifications TEXT NOT NULL, purpose TEXT NOT NULL, ends_at TEXT NOT NULL, deciders TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at TEXT NOT NULL)',
  `INSERT INTO registry_agreements VALUES (1, 'old-app', 'sales', '["confidential"]', 'kept from before', '2099-01-01T00:00:00.000Z', '["owner"]', 'old-app', '2026-01-01T00:00:00.000Z')`,
];

async function duckDbBeforeScopes(): Promise<string> {
  const file = join(dir, 'registry.duckdb');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  for (const statement of BEFORE_SCOPES) await connection.run(statement);
  connection.closeSync();
  instance.closeSync();
  return file;
}

async function postgresBeforeScopes(): Promise<string> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const statement of BEFORE_SCOPES) await client.query(statement.replace('registry_agreements', `${SCHEMA}.registry_agreements`));
  } finally {
    await client.end();
  }
  return `${TEST_POSTGRES_URL}?schema=${SCHEMA}`;
}

const STORES: [string, () => Promise<string>][] = [['DuckDB', duckDbBeforeScopes], ...(postgres ? [['PostgreSQL', postgresBeforeScopes] as [string, () => Promise<string>]] : [])];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (postgres) await dropPostgresSchema(SCHEMA);
});

describe.each(STORES)('agreements kept before scopes, on %s', (_name, create) => {
  it('open: the old request names no scope, a new one keeps its scopes', async () => {
    const store = await openRegistryStore(await create());
    try {
      expect(await store.agreements.requests()).toEqual([expect.objectContaining({ id: 1, purpose: 'kept from before', classifications: ['confidential'], scopes: [] })]);
      const id = await store.agreements.addRequest({
        consumer: 'new-app',
        product: 'sales',
        classifications: ['confidential'],
        scopes: ['finance:read'],
        purpose: 'asked by scope',
        endsAt: '2099-01-01T00:00:00.000Z',
        deciders: ['owner'],
        requestedBy: 'new-app',
        requestedAt: '2026-06-01T00:00:00.000Z',
      });
      expect((await store.agreements.request(id))?.scopes).toEqual(['finance:read']);
    } finally {
      await store.close();
    }
  });
});
