import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { ProductContext } from '../kit/create-data-product.ts';
import { queryPage, type PageArgs } from '../kit/pagination.ts';
import { SqlFilter } from '../kit/sql-filter.ts';
import type { DataStore } from '../kit/store.ts';
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

function productFilter(filter: ProductFilter | null | undefined): SqlFilter {
  return new SqlFilter()
    .when('category = ?', filter?.category)
    .when('list_price >= ?', filter?.minPrice)
    .when('list_price <= ?', filter?.maxPrice)
    .whenTrue('stock > 0', filter?.inStock === true)
    .whenTrue('stock = 0', filter?.inStock === false);
}

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    product: (_: unknown, args: { sku: string }, ctx: Context) => ctx.loaders.productBySku.load(args.sku),
    products: async (_: unknown, args: PageArgs & { filter?: ProductFilter }, ctx: Context) => {
      const filter = productFilter(args.filter);
      const page = await queryPage<ProductRow>(ctx, { matchedSql: `SELECT ${PRODUCT_COLUMNS} FROM products ${filter.toWhere()}`, params: filter.params, keyColumn: 'sku', args });
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
