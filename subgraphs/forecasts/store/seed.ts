import type { SeedableStore } from '../../kit/index.ts';
import { addMonths, DEMO_WORLD, productSku } from '../../demo/demo-world.ts';
import { SeededRandom } from '../../demo/seeded-random.ts';

export const SEED_VERSION = 'forecasts-1';

/** Published: `forecasts`. Internal: `model_runs`, the training runs and their error metrics. */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query(`CREATE TABLE forecasts (
    id VARCHAR PRIMARY KEY, sku VARCHAR NOT NULL, month VARCHAR NOT NULL, units INTEGER NOT NULL,
    units_low INTEGER NOT NULL, units_high INTEGER NOT NULL, revenue_usd DOUBLE PRECISION NOT NULL, model_run_id VARCHAR NOT NULL)`);
  await store.query('CREATE TABLE model_runs (id VARCHAR PRIMARY KEY, trained_at VARCHAR, mape DOUBLE PRECISION, features VARCHAR)');
  const random = new SeededRandom('forecasts');
  const runId = 'run-2026-06-30';
  const rows: (string | number)[][] = [];
  for (let i = 0; i < DEMO_WORLD.productCount; i++) {
    const sku = productSku(i);
    const baseUnits = random.int(5, 400);
    const price = random.money(5, 800);
    const trend = 0.98 + random.next() * 0.05;
    for (let m = 0; m < DEMO_WORLD.forecastMonths; m++) {
      const month = addMonths(DEMO_WORLD.firstForecastMonth, m);
      const seasonal = 1 + 0.25 * Math.sin(((m + 6) / 12) * 2 * Math.PI);
      const units = Math.max(0, Math.round(baseUnits * trend ** m * seasonal));
      const spread = Math.round(units * (0.1 + 0.02 * m));
      rows.push([`${sku}:${month}`, sku, month, units, Math.max(0, units - spread), units + spread, Math.round(units * price * 100) / 100, runId]);
    }
  }
  await store.append('forecasts', rows);
  await store.append('model_runs', [[runId, DEMO_WORLD.asOfDate, 0.183, 'lags,seasonality,promotions']]);
}
