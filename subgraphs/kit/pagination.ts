import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
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

const CURSOR_PREFIX = 'k:';

export function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length > 200) {
    throw new MeshError(MeshErrorCode.INVALID_CURSOR, 'The "after" cursor is not one this field returned');
  }
  return decoded.slice(CURSOR_PREFIX.length);
}

/** Validates `first`/`after`; refuses page sizes outside 0..MAX_PAGE_SIZE with a code. */
export function readPageArgs(args: PageArgs, defaultSize = 20): { first: number; afterKey: string | null } {
  const first = args.first ?? defaultSize;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new MeshError(MeshErrorCode.PAGE_SIZE_EXCEEDED, `"first" must be between 0 and ${MAX_PAGE_SIZE} (got ${first})`);
  }
  return { first, afterKey: args.after ? decodeCursor(args.after) : null };
}

/**
 * Runs one keyset-paginated query: `matchedSql` selects every row that passes the filters,
 * ordered and cut by `keyColumn`. The total count and the page come back in one statement,
 * so a list field costs one round trip to the store.
 */
export async function queryPage<Row extends Record<string, unknown>>(
  store: DataStore,
  options: { matchedSql: string; params: readonly StoreValue[]; keyColumn: string; args: PageArgs },
): Promise<Connection<Row>> {
  const { first, afterKey } = readPageArgs(options.args);
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
    return { cursor: encodeCursor(String(row[key])), node: node as unknown as Row };
  });
  return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
