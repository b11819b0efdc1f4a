import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { CursorSeal } from './cursor-seal.ts';
import type { DataStore, StoreValue } from './store.ts';

/** The largest page any list field returns; larger `first` values are refused, not clipped. */
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** What paging needs of a request: its product's store and the seal on its cursors. */
export interface PagingContext {
  store: DataStore;
  cursors: CursorSeal;
}

/**
 * Validates `first`/`after`; refuses page sizes outside 0..MAX_PAGE_SIZE with a code, and
 * opens `after` for `scope`, the list it must have come from (see {@link CursorSeal}).
 */
export function readPageArgs(cursors: CursorSeal, args: PageArgs, scope: string, defaultSize = 20): { first: number; afterKey: string | null } {
  const first = args.first ?? defaultSize;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new MeshError(MeshErrorCode.PAGE_SIZE_EXCEEDED, `"first" must be between 0 and ${MAX_PAGE_SIZE} (got ${first})`);
  }
  return { first, afterKey: args.after ? cursors.open(args.after, scope) : null };
}

/**
 * Runs one keyset-paginated query: `matchedSql` selects every row that passes the filters,
 * ordered and cut by `keyColumn`. The total count and the page come back in one statement,
 * so a list field costs one round trip to the store.
 */
export async function queryPage<Row extends Record<string, unknown>>(
  { store, cursors }: PagingContext,
  options: { matchedSql: string; params: readonly StoreValue[]; keyColumn: string; args: PageArgs },
): Promise<Connection<Row>> {
  // A cursor belongs to this very list: the same statement with the same filter values.
  const scope = `${options.matchedSql}\u0000${JSON.stringify(options.params)}`;
  const { first, afterKey } = readPageArgs(cursors, options.args, scope);
  const after = options.params.length + 1;
  const limit = options.params.length + 2;
  const key = options.keyColumn;
  const rows = await store.query<Row & { meshgate_total: number }>(
    `WITH matched AS (${options.matchedSql}),
          total AS (SELECT count(*)::INTEGER AS meshgate_total FROM matched)
     SELECT total.meshgate_total, page.* FROM total
     LEFT JOIN (SELECT * FROM matched WHERE ($${after}::VARCHAR IS NULL OR ${key} > $${after}::VARCHAR)
                ORDER BY ${key} LIMIT $${limit}) page ON true
     ORDER BY page.${key}`,
    [...options.params, afterKey, first + 1],
  );
  const totalCount = rows[0]?.meshgate_total ?? 0;
  const pageRows = rows.filter((row) => row[key] !== null && row[key] !== undefined);
  const hasNextPage = pageRows.length > first;
  const edges = pageRows.slice(0, first).map((row) => {
    const { meshgate_total: _total, ...node } = row;
    return { cursor: cursors.seal(String(row[key]), scope), node: node as unknown as Row };
  });
  return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
