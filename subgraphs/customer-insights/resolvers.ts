import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { MAX_PAGE_SIZE, type DataStore, type ProductContext } from '../kit/index.ts';
import { daysBetween } from '../demo/demo-world.ts';

/** The scoring model's parameters: the only data this product keeps of its own. */
export interface InsightModel {
  asOfDate: string;
  mediumRiskAfterDays: number;
  highRiskAfterDays: number;
  /** Expected future spend as a share of spend to date, by churn risk. */
  futureSpendShare: Record<ChurnRisk, number>;
  valueTiers: { tier: string; minLifetimeValueUsd: number }[];
}

type ChurnRisk = 'LOW' | 'MEDIUM' | 'HIGH';

/** What the gateway hands over through `@requires`: published fields of customers and sales. */
interface CustomerRepresentation {
  id: string;
  signupDate?: string;
  orderSummary?: { orderCount?: number; totalSpentUsd?: number; lastOrderDate?: string | null };
}

export function createLoaders(store: DataStore) {
  return {
    model: new DataLoader<'current', InsightModel>(async (keys) => {
      const [params, tiers] = await Promise.all([
        store.query<{ as_of_date: string; medium_risk_after_days: number; high_risk_after_days: number; share_low: number; share_medium: number; share_high: number }>(
          'SELECT as_of_date, medium_risk_after_days, high_risk_after_days, share_low, share_medium, share_high FROM churn_model',
        ),
        store.query<{ tier: string; min_lifetime_value_usd: number }>('SELECT tier, min_lifetime_value_usd FROM value_tiers ORDER BY min_lifetime_value_usd'),
      ]);
      const row = params[0]!;
      const model: InsightModel = {
        asOfDate: row.as_of_date,
        mediumRiskAfterDays: row.medium_risk_after_days,
        highRiskAfterDays: row.high_risk_after_days,
        futureSpendShare: { LOW: row.share_low, MEDIUM: row.share_medium, HIGH: row.share_high },
        valueTiers: tiers.map((tier) => ({ tier: tier.tier, minLifetimeValueUsd: tier.min_lifetime_value_usd })),
      };
      return keys.map(() => model);
    }),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

function churnRiskOf(customer: CustomerRepresentation, model: InsightModel): ChurnRisk {
  const last = customer.orderSummary?.lastOrderDate;
  if (!last || !customer.orderSummary?.orderCount) return 'HIGH';
  const days = daysBetween(last, model.asOfDate);
  if (days >= model.highRiskAfterDays) return 'HIGH';
  if (days >= model.mediumRiskAfterDays) return 'MEDIUM';
  return 'LOW';
}

function lifetimeValueOf(customer: CustomerRepresentation, model: InsightModel): number {
  const spent = customer.orderSummary?.totalSpentUsd ?? 0;
  const share = model.futureSpendShare[churnRiskOf(customer, model)];
  return Math.round(spent * (1 + share) * 100) / 100;
}

function valueTierOf(customer: CustomerRepresentation, model: InsightModel): string {
  const value = lifetimeValueOf(customer, model);
  let tier = model.valueTiers[0]!.tier;
  for (const definition of model.valueTiers) if (value >= definition.minLifetimeValueUsd) tier = definition.tier;
  return tier;
}

const withModel =
  <T>(compute: (customer: CustomerRepresentation, model: InsightModel) => T) =>
  async (customer: CustomerRepresentation, _: unknown, ctx: Context): Promise<T> =>
    compute(customer, await ctx.loaders.model.load('current'));

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    insights: (_: unknown, args: { customerIds: string[] }) => {
      if (args.customerIds.length > MAX_PAGE_SIZE) {
        throw new MeshError(MeshErrorCode.PAGE_SIZE_EXCEEDED, `"customerIds" takes at most ${MAX_PAGE_SIZE} ids (got ${args.customerIds.length})`);
      }
      // Entity references: the gateway fetches the @requires inputs from customers and sales.
      return args.customerIds.map((id) => ({ __typename: 'Customer', id }));
    },
    insightModel: (_: unknown, __: unknown, ctx: Context) => ctx.loaders.model.load('current'),
  },
  Customer: {
    __resolveReference: (ref: CustomerRepresentation) => ref,
    orderCount: (customer: CustomerRepresentation) => customer.orderSummary?.orderCount ?? 0,
    averageOrderValueUsd: (customer: CustomerRepresentation) => {
      const count = customer.orderSummary?.orderCount ?? 0;
      return count === 0 ? null : Math.round(((customer.orderSummary?.totalSpentUsd ?? 0) / count) * 100) / 100;
    },
    daysSinceLastOrder: withModel((customer, model) => {
      const last = customer.orderSummary?.lastOrderDate;
      return last ? daysBetween(last, model.asOfDate) : null;
    }),
    tenureMonths: withModel((customer, model) => Math.floor(daysBetween(customer.signupDate ?? model.asOfDate, model.asOfDate) / 30.4375)),
    churnRisk: withModel(churnRiskOf),
    lifetimeValueUsd: withModel(lifetimeValueOf),
    valueTier: withModel(valueTierOf),
    // The nullable successors (2.1.0) compute the same figures.
    churnRiskLevel: withModel(churnRiskOf),
    estimatedLifetimeValueUsd: withModel(lifetimeValueOf),
    lifetimeValueTier: withModel(valueTierOf),
  },
};
