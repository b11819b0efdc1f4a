import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ProductContext } from '../kit/create-data-product.ts';
import { queryPage, type PageArgs } from '../kit/pagination.ts';
import type { DataStore, StoreValue } from '../kit/store.ts';
import { rowByKeyLoader } from '../kit/store-loaders.ts';

export interface CustomerRow extends Record<string, unknown> {
  id: string;
  name: string;
  segment: string;
  country: string;
  signup_date: string;
  lead_score: number;
}

const CUSTOMER_COLUMNS = 'id, name, segment, country, signup_date, lead_score';

export function createLoaders(store: DataStore) {
  return {
    customerById: rowByKeyLoader<CustomerRow>(store, `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ANY($1)`, 'id'),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

interface CustomerFilter {
  segment?: string | null;
  country?: string | null;
  signedUpFrom?: string | null;
  signedUpTo?: string | null;
}

function filterSql(filter: CustomerFilter | null | undefined): { where: string; params: StoreValue[] } {
  const conditions: string[] = [];
  const params: StoreValue[] = [];
  const add = (sql: string, value: StoreValue) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter?.segment) add('segment = ?', filter.segment);
  if (filter?.country) add('country = ?', filter.country);
  if (filter?.signedUpFrom) add('signup_date >= ?::DATE', filter.signedUpFrom);
  if (filter?.signedUpTo) add('signup_date <= ?::DATE', filter.signedUpTo);
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    customer: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.customerById.load(args.id),
    customers: async (_: unknown, args: PageArgs & { filter?: CustomerFilter }, ctx: Context) => {
      const { where, params } = filterSql(args.filter);
      const page = await queryPage<CustomerRow>(ctx.store, {
        matchedSql: `SELECT ${CUSTOMER_COLUMNS} FROM customers ${where}`,
        params,
        keyColumn: 'id',
        args,
      });
      // Prime the loader: entity fetches later in the plan reuse these rows.
      for (const edge of page.edges) ctx.loaders.customerById.prime(edge.node.id, edge.node);
      return page;
    },
  },
  Customer: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.customerById.load(ref.id),
    signupDate: (row: CustomerRow) => row.signup_date,
    leadScore: (row: CustomerRow) => row.lead_score,
  },
};
