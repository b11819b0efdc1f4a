import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresUsageStore } from '../../../gateway/observability/field-usage-store.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../../support/services.ts';

/** Two gateway replicas recording into one Postgres table add up, per client and day. */
const available = await postgresAvailable();
const coordinate = `Probe${process.pid}.field`;

afterAll(async () => {
  if (!available) return;
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  await client.query('DELETE FROM meshgate_field_usage WHERE coordinate = $1', [coordinate]).catch(() => {});
  await client.query('DELETE FROM meshgate_application_usage WHERE coordinate = $1', [coordinate]).catch(() => {});
  await client.end();
});

describe.skipIf(!available)('field usage in Postgres', () => {
  it('merges counts from several replicas and answers clientsUsing over a day range', async () => {
    const a = new PostgresUsageStore(TEST_POSTGRES_URL, 0);
    const b = new PostgresUsageStore(TEST_POSTGRES_URL, 0);
    a.record('revenue-dashboard', [coordinate], '2025-05-20');
    b.record('revenue-dashboard', [coordinate], '2025-05-20');
    b.record('revenue-dashboard', [coordinate], '2025-05-22');
    a.record('old-export', [coordinate], '2024-01-01');
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.clientsUsing(coordinate, '2025-03-01', '2025-06-01')).toEqual([{ client: 'revenue-dashboard', count: 3, lastUsed: '2025-05-22' }]);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps the verified application apart from the client name: one client under an application and under none are two answers', async () => {
    const a = new PostgresUsageStore(TEST_POSTGRES_URL, 0);
    const b = new PostgresUsageStore(TEST_POSTGRES_URL, 0);
    a.record('board-pack', [coordinate], '2025-07-01', 'finance-app');
    b.record('board-pack', [coordinate], '2025-07-02', 'finance-app');
    b.record('board-pack', [coordinate], '2025-07-02');
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.clientsUsing(coordinate, '2025-07-01', '2025-07-31')).toEqual([
      { client: 'board-pack', application: 'finance-app', count: 2, lastUsed: '2025-07-02' },
      { client: 'board-pack', count: 1, lastUsed: '2025-07-02' },
    ]);
    await Promise.all([a.close(), b.close()]);
  });
});
