/**
 * The sales product as it was written by hand before it was declared (its resolvers.ts, kept
 * verbatim): the baseline `npm run bench:declared` measures the declared sales against.
 */
import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import {
  queryPage,
  readDateRange,
  readIsoDate,
  readPageArgs,
  rowByKeyLoader,
  rowsByKeyLoader,
  SqlFilter,
  type Connection,
  type CursorSeal,
  type DataStore,
  type PageArgs,
  type ProductContext,
} from '../../subgraphs/kit/index.ts';

export interface OrderRow extends Record<string, unknown> {
  id: string;
  customer_id: string;
  order_date: string;
  status: string;
  currency: string;
  total: number;
  total_usd: number;
  margin_usd: number;
}

interface LineRow extends Record<string, unknown> {
  order_id: string;
  line_number: number;
  sku: string;
  quantity: number;
  unit_price: number;
  amount: number;
}

interface SummaryRow extends Record<string, unknown> {
  customer_id: string;
  order_count: number;
  total_spent_usd: number;
  first_order_date: string | null;
  last_order_date: string | null;
}

const ORDER_COLUMNS = 'id, customer_id, order_date, status, currency, total, total_usd, margin_usd';

/** Per-customer pages are batched per distinct (first, after) pair: one statement per pair. */
function customerOrdersLoader(store: DataStore, cursors: CursorSeal) {
  return new DataLoader<string, Connection<OrderRow>>(async (keys) => {
    const byArgs = new Map<string, string[]>();
    for (const key of keys) {
      const [customerId, argsKey] = splitOnce(key);
      byArgs.set(argsKey, [...(byArgs.get(argsKey) ?? []), customerId]);
    }
    const pages = new Map<string, Connection<OrderRow>>();
    for (const [argsKey, customerIds] of byArgs) {
      const [first, offset] = argsKey.split(':').map(Number) as [number, number];
      const rows = await store.query<OrderRow & { rn: number; total_count: number }>(
        `SELECT * FROM (
           SELECT ${ORDER_COLUMNS},
                  row_number() OVER (PARTITION BY customer_id ORDER BY order_date DESC, id DESC)::INTEGER AS rn,
                  count(*) OVER (PARTITION BY customer_id)::INTEGER AS total_count
           FROM orders WHERE customer_id = ANY($1)) ranked
         WHERE rn > $2 AND rn <= $3 ORDER BY customer_id, rn`,
        [customerIds, offset, offset + first + 1],
      );
      for (const customerId of customerIds) {
        const mine = rows.filter((row) => row.customer_id === customerId);
        const edges = mine.slice(0, first).map(({ rn, total_count: _count, ...node }) => ({ cursor: cursors.seal(String(rn), customerOrdersScope(customerId)), node: node as OrderRow }));
        pages.set(`${customerId}\u0000${argsKey}`, {
          edges,
          pageInfo: { hasNextPage: mine.length > first, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: mine[0]?.total_count ?? (offset === 0 ? 0 : await countOrders(store, customerId)),
        });
      }
    }
    return keys.map((key) => pages.get(key)!);
  });
}

async function countOrders(store: DataStore, customerId: string): Promise<number> {
  const rows = await store.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM orders WHERE customer_id = $1', [customerId]);
  return rows[0]?.n ?? 0;
}

function splitOnce(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** A page of one customer's orders: its cursors open only on that customer's list. */
const customerOrdersScope = (customerId: string) => `Customer.orders\u0000${customerId}`;

export function createLoaders(store: DataStore, cursors: CursorSeal) {
  return {
    orderById: rowByKeyLoader<OrderRow>(store, `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1)`, 'id'),
    linesByOrder: rowsByKeyLoader<LineRow>(
      store,
      'SELECT order_id, line_number, sku, quantity, unit_price, amount FROM order_lines WHERE order_id = ANY($1) ORDER BY order_id, line_number',
      'order_id',
    ),
    summaryByCustomer: rowByKeyLoader<SummaryRow>(
      store,
      `SELECT customer_id, count(*)::INTEGER AS order_count, sum(total_usd) AS total_spent_usd,
              min(order_date) AS first_order_date, max(order_date) AS last_order_date
       FROM orders WHERE customer_id = ANY($1) AND status <> 'CANCELLED' GROUP BY customer_id`,
      'customer_id',
    ),
    ordersByCustomer: customerOrdersLoader(store, cursors),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

interface OrderFilter {
  status?: string | null;
  currency?: string | null;
  customerId?: string | null;
  from?: string | null;
  to?: string | null;
}

function orderFilter(filter: OrderFilter | null | undefined): SqlFilter {
  return new SqlFilter()
    .when('status = ?', filter?.status)
    .when('currency = ?', filter?.currency)
    .when('customer_id = ?', filter?.customerId)
    .when('order_date >= ?::DATE', filter?.from && readIsoDate('from', filter.from))
    .when('order_date <= ?::DATE', filter?.to && readIsoDate('to', filter.to));
}

/** Money sums are rounded to cents here; DuckDB and Postgres round doubles differently. */
const cents = (value: number) => Math.round(value * 100) / 100;

/** The month of a date column as YYYY-MM, in SQL both DuckDB and Postgres accept. */
const MONTH_OF_ORDER = 'substr(CAST(order_date AS VARCHAR), 1, 7)';

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    order: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.orderById.load(args.id),
    orders: async (_: unknown, args: PageArgs & { filter?: OrderFilter }, ctx: Context) => {
      const filter = orderFilter(args.filter);
      const page = await queryPage<OrderRow>(ctx, { matchedSql: `SELECT ${ORDER_COLUMNS} FROM orders ${filter.toWhere()}`, params: filter.params, keyColumn: 'id', args });
      for (const edge of page.edges) ctx.loaders.orderById.prime(edge.node.id, edge.node);
      return page;
    },
    revenueByMonth: async (_: unknown, args: { from: string; to: string; currency?: string | null }, ctx: Context) => {
      const { from, to } = readDateRange(args);
      const rows = await ctx.store.query<{ month: string; order_count: number; revenue_usd: number }>(
        `SELECT ${MONTH_OF_ORDER} AS month, count(*)::INTEGER AS order_count, sum(total_usd) AS revenue_usd
         FROM orders
         WHERE order_date BETWEEN $1::DATE AND $2::DATE AND status <> 'CANCELLED' AND ($3::VARCHAR IS NULL OR currency = $3::VARCHAR)
         GROUP BY ${MONTH_OF_ORDER} ORDER BY month`,
        [from, to, args.currency ?? null],
      );
      return rows.map((row) => ({ month: row.month, orderCount: row.order_count, revenueUsd: cents(row.revenue_usd), totalUsd: cents(row.revenue_usd) }));
    },
    revenueByCurrency: async (_: unknown, args: { from: string; to: string }, ctx: Context) => {
      const { from, to } = readDateRange(args);
      const rows = await ctx.store.query<{ currency: string; order_count: number; revenue: number; revenue_usd: number }>(
        `SELECT currency, count(*)::INTEGER AS order_count, sum(total) AS revenue, sum(total_usd) AS revenue_usd
         FROM orders WHERE order_date BETWEEN $1::DATE AND $2::DATE AND status <> 'CANCELLED'
         GROUP BY currency ORDER BY currency`,
        [from, to],
      );
      return rows.map((row) => ({ currency: row.currency, orderCount: row.order_count, revenue: cents(row.revenue), revenueUsd: cents(row.revenue_usd) }));
    },
    revenueByCategory: async (_: unknown, args: { from: string; to: string }, ctx: Context) => {
      const { from, to } = readDateRange(args);
      const rows = await ctx.store.query<{ category: string; order_count: number; units: number; revenue_usd: number }>(
        `SELECT l.category, count(DISTINCT l.order_id)::INTEGER AS order_count, sum(l.quantity)::INTEGER AS units,
                sum(l.amount * r.usd_per_unit) AS revenue_usd
         FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN fx_rates r ON r.currency = o.currency
         WHERE o.order_date BETWEEN $1::DATE AND $2::DATE AND o.status <> 'CANCELLED'
         GROUP BY l.category ORDER BY l.category`,
        [from, to],
      );
      return rows.map((row) => ({ category: row.category, orderCount: row.order_count, units: row.units, revenueUsd: cents(row.revenue_usd), amountUsd: cents(row.revenue_usd) }));
    },
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.orderById.load(ref.id),
    orderDate: (row: OrderRow) => row.order_date,
    totalUsd: (row: OrderRow) => row.total_usd,
    totalAmount: (row: OrderRow) => row.total,
    marginUsd: (row: OrderRow) => row.margin_usd,
    customer: (row: OrderRow) => ({ id: row.customer_id }),
    lines: (row: OrderRow, _: unknown, ctx: Context) => ctx.loaders.linesByOrder.load(row.id),
  },
  OrderLine: {
    lineNumber: (row: LineRow) => row.line_number,
    unitPrice: (row: LineRow) => row.unit_price,
    product: (row: LineRow) => ({ __typename: 'Product', sku: row.sku }),
  },
  Customer: {
    // Sales knows a customer only by id; CRM owns whether the customer exists.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    orders: (customer: { id: string }, args: PageArgs, ctx: Context) => {
      const { first, afterKey } = readPageArgs(ctx.cursors, args, customerOrdersScope(customer.id), 10);
      const offset = afterKey === null ? 0 : Number(afterKey);
      if (!Number.isInteger(offset) || offset < 0) {
        throw new MeshError(MeshErrorCode.INVALID_CURSOR, 'The "after" cursor is not one this field returned');
      }
      return ctx.loaders.ordersByCustomer.load(`${customer.id}\u0000${first}:${offset}`);
    },
    orderSummary: async (customer: { id: string }, _: unknown, ctx: Context) => {
      const row = await ctx.loaders.summaryByCustomer.load(customer.id);
      return {
        orderCount: row?.order_count ?? 0,
        totalSpentUsd: cents(row?.total_spent_usd ?? 0),
        firstOrderDate: row?.first_order_date ?? null,
        lastOrderDate: row?.last_order_date ?? null,
      };
    },
  },
};
