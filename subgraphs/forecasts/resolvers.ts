import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { readIntInRange } from '../kit/arguments.ts';
import type { ProductContext } from '../kit/create-data-product.ts';
import { DEMO_WORLD } from '../kit/demo-world.ts';
import { queryPage, type PageArgs } from '../kit/pagination.ts';
import { SqlFilter } from '../kit/sql-filter.ts';
import type { DataStore } from '../kit/store.ts';
import { rowsByKeyLoader } from '../kit/store-loaders.ts';

interface ForecastRow extends Record<string, unknown> {
  id: string;
  sku: string;
  month: string;
  units: number;
  units_low: number;
  units_high: number;
  revenue_usd: number;
  model_run_id: string;
}

const FORECAST_COLUMNS = 'id, sku, month, units, units_low, units_high, revenue_usd, model_run_id';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function readMonth(argument: string, value: string): string {
  if (!MONTH.test(value)) {
    throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" must be a month as YYYY-MM`);
  }
  return value;
}

export function createLoaders(store: DataStore) {
  return {
    // All 24 months per SKU in one statement; `forecast(months:)` slices in memory.
    forecastsBySku: rowsByKeyLoader<ForecastRow>(store, `SELECT ${FORECAST_COLUMNS} FROM forecasts WHERE sku = ANY($1) ORDER BY sku, month`, 'sku'),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

async function forecastFor(sku: string, months: number, ctx: Context): Promise<ForecastRow[]> {
  const count = readIntInRange('months', months, 1, DEMO_WORLD.forecastMonths);
  return (await ctx.loaders.forecastsBySku.load(sku)).slice(0, count);
}

interface ForecastFilter {
  sku?: string | null;
  fromMonth?: string | null;
  toMonth?: string | null;
}

function forecastFilter(filter: ForecastFilter | null | undefined): SqlFilter {
  return new SqlFilter()
    .when('sku = ?', filter?.sku)
    .when('month >= ?', filter?.fromMonth && readMonth('fromMonth', filter.fromMonth))
    .when('month <= ?', filter?.toMonth && readMonth('toMonth', filter.toMonth));
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    productForecast: (_: unknown, args: { sku: string; months: number }, ctx: Context) => forecastFor(args.sku, args.months, ctx),
    forecasts: (_: unknown, args: PageArgs & { filter?: ForecastFilter }, ctx: Context) => {
      const filter = forecastFilter(args.filter);
      return queryPage<ForecastRow>(ctx, { matchedSql: `SELECT ${FORECAST_COLUMNS} FROM forecasts ${filter.toWhere()}`, params: filter.params, keyColumn: 'id', args });
    },
    forecastTotalsByMonth: async (_: unknown, args: { fromMonth: string; toMonth: string }, ctx: Context) => {
      const from = readMonth('fromMonth', args.fromMonth);
      const to = readMonth('toMonth', args.toMonth);
      const rows = await ctx.store.query<{ month: string; units: number; revenue_usd: number }>(
        `SELECT month, sum(units)::INTEGER AS units, sum(revenue_usd) AS revenue_usd
         FROM forecasts WHERE month BETWEEN $1 AND $2 GROUP BY month ORDER BY month`,
        [from, to],
      );
      return rows.map((row) => {
        const revenueUsd = Math.round(row.revenue_usd * 100) / 100;
        return { month: row.month, units: row.units, revenueUsd, expectedRevenueUsd: revenueUsd };
      });
    },
  },
  Product: {
    __resolveReference: (ref: { sku: string }) => ({ sku: ref.sku }),
    forecast: (product: { sku: string }, args: { months: number }, ctx: Context) => forecastFor(product.sku, args.months, ctx),
  },
  MonthlyForecast: {
    product: (row: ForecastRow) => ({ sku: row.sku }),
    unitsLow: (row: ForecastRow) => row.units_low,
    unitsHigh: (row: ForecastRow) => row.units_high,
    revenueUsd: (row: ForecastRow) => row.revenue_usd,
    modelRunId: (row: ForecastRow) => row.model_run_id,
  },
};
