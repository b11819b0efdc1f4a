/**
 * The kit's public entry (`import { createDataProduct } from 'meshgate/kit'`): what a product
 * in a repository of its own builds on. Everything a product folder's resolvers, loaders and
 * seed use, and nothing of the demo products; the demo products import the kit through here
 * alone, as a product in a repository of its own does.
 */
export {
  createDataProduct,
  seedProductStore,
  productStorePath,
  type DataProduct,
  type DataProductDefinition,
  type DataProductOptions,
  type ProductContext,
  type RunningProduct,
  type SeededProductDefinition,
} from './create-data-product.ts';
export { declaredProduct } from './declared/declared-product.ts';
export { DEV_UNSIGNED_ENV } from './dev-unsigned-access.ts';
export { type DataStore, type SeedableStore, type SeedRow, type StoreValue, QueryLog } from './store.ts';
export { DuckDbStore } from './duckdb-store.ts';
export { PostgresStore } from './postgres-store.ts';
export { rowByKeyLoader, rowsByKeyLoader } from './store-loaders.ts';
export { CursorSeal } from './cursor-seal.ts';
export { MAX_PAGE_SIZE, queryPage, readPageArgs, type Connection, type PageArgs, type PagingContext } from './pagination.ts';
export { readDateRange, readIntInRange, readIsoDate } from './arguments.ts';
export { SqlFilter } from './sql-filter.ts';
export { WATERMARK_TABLE } from './watermark.ts';
