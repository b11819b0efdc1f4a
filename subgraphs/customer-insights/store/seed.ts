import type { SeedableStore } from '../../kit/index.ts';
import { DEMO_WORLD } from '../../demo/demo-world.ts';

export const SEED_VERSION = 'customer-insights-1';

/**
 * A derived product keeps no copy of its inputs: its store holds only the scoring model's
 * parameters. Customer data reaches it per request through published fields.
 */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query(`CREATE TABLE churn_model (
    as_of_date VARCHAR NOT NULL, medium_risk_after_days INTEGER NOT NULL, high_risk_after_days INTEGER NOT NULL,
    share_low DOUBLE PRECISION NOT NULL, share_medium DOUBLE PRECISION NOT NULL, share_high DOUBLE PRECISION NOT NULL)`);
  await store.query('CREATE TABLE value_tiers (tier VARCHAR PRIMARY KEY, min_lifetime_value_usd DOUBLE PRECISION NOT NULL)');
  await store.append('churn_model', [[DEMO_WORLD.asOfDate, 90, 180, 0.6, 0.25, 0.05]]);
  await store.append('value_tiers', [
    ['BRONZE', 0],
    ['SILVER', 5000],
    ['GOLD', 15000],
    ['PLATINUM', 30000],
  ]);
}
