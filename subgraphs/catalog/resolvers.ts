import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ProductContext } from '../kit/create-data-product.ts';
import { queryPage, type PageArgs } from '../kit/pagination.ts';
import type { DataStore, StoreValue } from '../kit/store.ts';
import { rowByKeyLoader } from '../kit/store-loaders.ts';

interface ProductRow extends Record<string, unknown> {
  sku: string;
  name: string;
  category: string;
  list_price: number;
  stock: number;
  unit_cost: number;
}

const PRODUCT_COLUMNS = 'sku, name, category, list_price, stock, unit_cost';

export function createLoaders(store: DataStore) {
  return {
    productBySku: rowByKeyLoader<ProductRow>(store, `SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = ANY($1)`, 'sku'),
    sustainabilityBySku: rowByKeyLoader<{ sku: string; score: number }>(store, 'SELECT sku, score FROM product_sustainability WHERE sku = ANY($1)', 'sku'),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

interface ProductFilter {
  category?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  inStock?: boolean | null;
}

function filterSql(filter: ProductFilter | null | undefined): { where: string; params: StoreValue[] } {
  const conditions: string[] = [];
  const params: StoreValue[] = [];
  const add = (sql: string, value: StoreValue) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter?.category) add('category = ?', filter.category);
  if (typeof filter?.minPrice === 'number') add('list_price >= ?', filter.minPrice);
  if (typeof filter?.maxPrice === 'number') add('list_price <= ?', filter.maxPrice);
  if (filter?.inStock === true) conditions.push('stock > 0');
  if (filter?.inStock === false) conditions.push('stock = 0');
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    product: (_: unknown, args: { sku: string }, ctx: Context) => ctx.loaders.productBySku.load(args.sku),
    products: async (_: unknown, args: PageArgs & { filter?: ProductFilter }, ctx: Context) => {
      const { where, params } = filterSql(args.filter);
      const page = await queryPage<ProductRow>(ctx.store, { matchedSql: `SELECT ${PRODUCT_COLUMNS} FROM products ${where}`, params, keyColumn: 'sku', args });
      for (const edge of page.edges) ctx.loaders.productBySku.prime(edge.node.sku, edge.node);
      return page;
    },
    categories: async (_: unknown, __: unknown, ctx: Context) => {
      const rows = await ctx.store.query<{ category: string; product_count: number; units_in_stock: number; average_list_price: number }>(
        `SELECT category, count(*)::INTEGER AS product_count, sum(stock)::INTEGER AS units_in_stock, avg(list_price) AS average_list_price
         FROM products GROUP BY category ORDER BY category`,
      );
      return rows.map((row) => ({
        category: row.category,
        productCount: row.product_count,
        unitsInStock: row.units_in_stock,
        averageListPrice: Math.round(row.average_list_price * 100) / 100,
      }));
    },
  },
  Product: {
    __resolveReference: (ref: { sku: string }, ctx: Context) => ctx.loaders.productBySku.load(ref.sku),
    listPrice: (row: ProductRow) => row.list_price,
    price: (row: ProductRow) => row.list_price,
    sustainabilityScore: async (row: ProductRow, _: unknown, ctx: Context) => (await ctx.loaders.sustainabilityBySku.load(row.sku))?.score ?? null,
    unitCost: (row: ProductRow) => row.unit_cost,
  },
};
