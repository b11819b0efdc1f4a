import pg from 'pg';
import { QueryLog, type SeedableStore, type SeedRow, type StoreColumn, type StoreValue } from './store.ts';
import { readSeedVersion, writeSeedBookkeeping } from './watermark.ts';

const DATE_OID = 1082;
/** int2, int4, int8, float4, float8, numeric. */
const NUMERIC_OIDS = new Set([21, 23, 20, 700, 701, 1700]);

/**
 * Dates come back as `YYYY-MM-DD` strings, as they do from DuckDB: a JS Date would shift
 * them by the server's time zone and the products would answer differently per store.
 */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')),
};

/** Postgres identifiers for a product: its own schema and its own role. */
export function postgresNamesOf(product: string): { schema: string; role: string } {
  const base = `mg_${product.replace(/-/g, '_')}`;
  return { schema: base, role: base };
}

/** A login role's name as `--grant-to` takes it: a plain identifier, so it is never SQL. */
const LOGIN_ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

async function grantProductRole(admin: pg.Pool, role: string, loginRole: string): Promise<void> {
  if (!LOGIN_ROLE.test(loginRole)) throw new TypeError(`--grant-to: expected a Postgres role name such as "sales" (got ${JSON.stringify(loginRole)})`);
  // The product role may not exist yet on a first seed; create it the way seeding does.
  await admin.query(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  // Granting a membership that exists is a notice, not an error: safe on every seed.
  await admin.query(`GRANT ${role} TO ${loginRole}`);
}

/**
 * Why a product cannot serve from its Postgres schema, in words that name the fix: the
 * login user is not a member of the product role, or the schema was never seeded (or by an
 * older seed).
 */
export async function postgresStoreProblem(store: PostgresStore, product: string): Promise<string> {
  const { role } = postgresNamesOf(product);
  try {
    await store.query('SELECT 1');
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    // 42501 insufficient_privilege: "permission denied to set role"; 28000/28P01: login refused.
    if (code === '42501') return `the login user of STORE_URL may not act as ${role}: run GRANT ${role} TO <login user>, or meshgate seed ${product} --store URL --grant-to <login user>`;
    return `cannot connect to Postgres: ${message}`;
  }
  return `Postgres schema is missing or stale: run meshgate seed ${product} --store URL`;
}

/** Rows per INSERT when seeding: well under Postgres's 65,535 bind parameters. */
const ROWS_PER_INSERT = 2_000;

/**
 * A product's store on Postgres. Each product lives in its own schema and runs as its own
 * role, which is granted nothing outside that schema: a product's connection cannot read
 * another product's internals even though they share a server.
 */
export class PostgresStore implements SeedableStore {
  readonly kind = 'postgres' as const;
  readonly log = new QueryLog();

  private constructor(private readonly pool: pg.Pool) {}

  /**
   * @param url `postgres://user@host:5432/db`
   * @param product the product whose schema and role the connection takes
   */
  static forProduct(url: string, product: string): PostgresStore {
    return PostgresStore.open(url, postgresNamesOf(product));
  }

  /**
   * Without `role`, the connection keeps the login user's rights: a declared product on the
   * team's own database, where the DBA granted that user what the product reads.
   */
  static open(url: string, options: { role?: string; schema?: string; max?: number }): PostgresStore {
    const { schema, role } = options;
    // Every connection takes the product's role and schema in its startup packet, so no
    // query ever runs with the login user's wider rights.
    const settings = [role && `-c role=${role}`, schema && `-c search_path=${schema}`].filter(Boolean).join(' ');
    const pool = new pg.Pool({ connectionString: url, max: options.max ?? 8, types, ...(settings ? { options: settings } : {}) });
    return new PostgresStore(pool);
  }

  /** A connection with the URL's own privileges (for creating schemas and roles). */
  static admin(url: string): pg.Pool {
    return new pg.Pool({ connectionString: url, max: 2, types });
  }

  async query<Row extends object = Record<string, unknown>>(sql: string, params: readonly StoreValue[] = []): Promise<Row[]> {
    this.log.record(sql);
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async columnsOf(relation: string): Promise<StoreColumn[]> {
    const result = await this.pool.query(`SELECT * FROM ${relation} WHERE 1 = 0`);
    return result.fields.map((field) => ({ name: field.name, type: String(field.dataTypeID), numeric: NUMERIC_OIDS.has(field.dataTypeID) }));
  }

  async append(table: string, rows: readonly SeedRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      const width = chunk[0]!.length;
      const values = chunk.map((_, row) => `(${Array.from({ length: width }, (__, column) => `$${row * width + column + 1}`).join(', ')})`);
      await this.pool.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`, chunk.flat());
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Creates and seeds a product's schema if it is missing or was seeded by another seed
 * version. The seed runs into a fresh schema that is swapped in by rename in one
 * transaction, so readers never see a half-seeded store and a failed seed loses nothing.
 */
export async function ensurePostgresSeeded(
  url: string,
  product: string,
  seedVersion: string,
  seed: (store: SeedableStore) => Promise<void>,
  options: { grantTo?: string } = {},
): Promise<{ seeded: boolean }> {
  const { schema, role } = postgresNamesOf(product);
  const admin = PostgresStore.admin(url);
  try {
    // A product logs in as its own user and acts as the product role: that user must be a
    // member of it. Granted here, on request, because the seeding user is the one allowed to.
    if (options.grantTo !== undefined) await grantProductRole(admin, role, options.grantTo);
    // One seeder per product schema at a time (two replicas starting, two test files): the
    // other waits here, then finds the seed version written and leaves it.
    const lock = await admin.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`meshgate seed ${schema}`]);
      return await seedLocked(url, admin, { schema, role }, seedVersion, seed, options);
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`meshgate seed ${schema}`]).catch(() => {});
      lock.release();
    }
  } finally {
    await admin.end();
  }
}

/** The part of {@link ensurePostgresSeeded} that runs under the product's advisory lock. */
async function seedLocked(
  url: string,
  admin: pg.Pool,
  { schema, role }: { schema: string; role: string },
  seedVersion: string,
  seed: (store: SeedableStore) => Promise<void>,
  options: { grantTo?: string },
): Promise<{ seeded: boolean }> {
  const serving = PostgresStore.open(url, { role, schema, max: 1 });
  const current = await readSeedVersion(serving).finally(() => serving.close());
  if (current === seedVersion) return { seeded: false };

  const staging = `${schema}__seeding`;
  // Roles are cluster-wide and CREATE ROLE has no IF NOT EXISTS.
  await admin.query(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  await admin.query(`DROP SCHEMA IF EXISTS ${staging} CASCADE`);
  await admin.query(`CREATE SCHEMA ${staging} AUTHORIZATION ${role}`);
  // The role may use its own schema and nothing else; PUBLIC loses its default rights.
  await admin.query(`REVOKE ALL ON SCHEMA ${staging} FROM PUBLIC`);
  if (options.grantTo !== undefined) await grantProductRole(admin, role, options.grantTo);
  const store = PostgresStore.open(url, { role, schema: staging, max: 1 });
  try {
    await seed(store);
    await writeSeedBookkeeping(store, seedVersion);
  } finally {
    await store.close();
  }
  const client = await admin.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`ALTER SCHEMA ${staging} RENAME TO ${schema}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return { seeded: true };
}
