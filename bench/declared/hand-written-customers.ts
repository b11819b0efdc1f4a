/**
 * The customers product as it was written by hand before it was declared (its resolvers.ts,
 * kept verbatim): the baseline `npm run bench:declared` measures the declared product against.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ProductContext } from '../../subgraphs/kit/create-data-product.ts';
import { queryPage, type PageArgs } from '../../subgraphs/kit/pagination.ts';
import { readIsoDate } from '../../subgraphs/kit/arguments.ts';
import { SqlFilter } from '../../subgraphs/kit/sql-filter.ts';
import type { DataStore } from '../../subgraphs/kit/store.ts';
import { rowByKeyLoader } from '../../subgraphs/kit/store-loaders.ts';

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

function customerFilter(filter: CustomerFilter | null | undefined): SqlFilter {
  return new SqlFilter()
    .when('segment = ?', filter?.segment)
    .when('country = ?', filter?.country)
    .when('signup_date >= ?::DATE', filter?.signedUpFrom && readIsoDate('signedUpFrom', filter.signedUpFrom))
    .when('signup_date <= ?::DATE', filter?.signedUpTo && readIsoDate('signedUpTo', filter.signedUpTo));
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    customer: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.customerById.load(args.id),
    customers: async (_: unknown, args: PageArgs & { filter?: CustomerFilter }, ctx: Context) => {
      const filter = customerFilter(args.filter);
      const page = await queryPage<CustomerRow>(ctx, {
        matchedSql: `SELECT ${CUSTOMER_COLUMNS} FROM customers ${filter.toWhere()}`,
        params: filter.params,
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
    // The nullable successors of name and country read the same columns.
    fullName: (row: CustomerRow) => row.name,
    billingCountry: (row: CustomerRow) => row.country,
    leadScore: (row: CustomerRow) => row.lead_score,
  },
};
