import type { DataStore } from './store.ts';

/** The table a product's pipeline writes when it lands new data: one row per load. */
export const WATERMARK_TABLE = 'meshgate_watermark';

/**
 * Two bookkeeping tables every seeded store carries, whatever its engine:
 * `meshgate_seed` (which seed made it, so a changed seed reseeds) and `meshgate_watermark`
 * (when its data was last loaded). A real pipeline inserts a watermark row at the end of
 * each load; the product reports the latest with every answer (`dataAsOf`), and the
 * gateway's watermark cache keys entries by it, so a pipeline that changes data without
 * inserting a row here serves stale answers through the cache.
 */
export async function writeSeedBookkeeping(store: DataStore, seedVersion: string, dataAsOf = new Date()): Promise<void> {
  await store.query('CREATE TABLE meshgate_seed (seed_version VARCHAR NOT NULL)');
  await store.query('INSERT INTO meshgate_seed VALUES ($1)', [seedVersion]);
  await store.query(`CREATE TABLE ${WATERMARK_TABLE} (data_as_of VARCHAR NOT NULL)`);
  await store.query(`INSERT INTO ${WATERMARK_TABLE} VALUES ($1)`, [dataAsOf.toISOString()]);
}

/** The seed version a store was made by, or undefined when it lacks the bookkeeping (reseed). */
export async function readSeedVersion(store: DataStore): Promise<string | undefined> {
  try {
    // Both tables must be there: a store from before watermarks is reseeded once.
    const rows = await store.query<{ seed_version: string }>(`SELECT seed_version FROM meshgate_seed, (SELECT max(data_as_of) AS w FROM ${WATERMARK_TABLE}) watermark`);
    return rows[0]?.seed_version;
  } catch {
    return undefined;
  }
}

/** The store's freshness watermark (ISO 8601), or null for a store without one. */
export async function readWatermark(store: DataStore): Promise<string | null> {
  try {
    const rows = await store.query<{ data_as_of: string | null }>(`SELECT max(data_as_of) AS data_as_of FROM ${WATERMARK_TABLE}`);
    return rows[0]?.data_as_of ?? null;
  } catch {
    return null;
  }
}
