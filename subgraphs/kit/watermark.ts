import type { DataStore } from './store.ts';

/** The table a product's pipeline writes when it lands new data: one row per load. */
export const WATERMARK_TABLE = 'meshgate_watermark';

/**
 * How current a product's data is: the latest `data_as_of` in `meshgate_watermark`, or,
 * for a store no pipeline has loaded since seeding, `seed:<seed_version>`. The gateway's
 * freshness cache keys entries by it, so it must change whenever the data does: a pipeline
 * that changes data without inserting a row here serves stale answers through the cache.
 *
 * Reconcile with `dataAsOf` in `extensions.dataProducts` (the no-backdoors branch): both
 * should read this one function.
 */
export async function readWatermark(store: DataStore): Promise<string> {
  try {
    const rows = await store.query<{ data_as_of: string | null }>(`SELECT max(data_as_of)::VARCHAR AS data_as_of FROM ${WATERMARK_TABLE}`);
    if (rows[0]?.data_as_of) return rows[0].data_as_of;
  } catch {
    // No watermark table: the store is as it was seeded.
  }
  const seed = await store.query<{ seed_version: string }>('SELECT seed_version FROM meshgate_seed').catch(() => []);
  return seed[0] ? `seed:${seed[0].seed_version}` : 'unknown';
}

/** Response headers that carry a product's version and watermark to the gateway. */
export const WATERMARK_HEADERS = { dataAsOf: 'x-meshgate-data-as-of', version: 'x-meshgate-product-version' } as const;
