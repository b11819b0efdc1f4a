import type { DeclaredRelation, TimeGrain } from '../../../schema/product/declaration.ts';
import type { StoreValue } from '../store.ts';
import { relationSql, selectList, type TypeModel } from './declared-model.ts';
import { Binder, type SqlDialect } from './sql-dialect.ts';

/**
 * The statements a declared product runs, written once in standard SQL through the engine's
 * dialect. Names come only from the reviewed declaration; every value a caller sends is bound
 * (see {@link Binder}). Each statement answers a whole batch or a whole page in one round trip.
 */
export interface Statement {
  sql: string;
  params: StoreValue[];
}

/** Rows of `type` whose `column` is one of `keys`: an entity batch (`column` = key) or a rows-by batch. */
export function rowsWhereStatement(type: TypeModel, dialect: SqlDialect, column: string, keys: readonly StoreValue[], orderBy: readonly string[] = []): Statement {
  const bind = new Binder(dialect);
  const order = orderBy.length ? ` ORDER BY ${[column, ...orderBy].map((name) => dialect.quote(name)).join(', ')}` : '';
  const sql = `SELECT ${selectList(type, dialect, [column, ...orderBy])} FROM ${relationSql(type.relation!, dialect)} WHERE ${dialect.oneOf(dialect.quote(column), keys, bind)}${order}`;
  return { sql, params: bind.values };
}

/**
 * One page of rows per parent key (a `connection` field), every parent in one statement: the
 * rows are numbered within their parent in the declared order, each carrying its parent's
 * count, and the page is the numbers after `offset`, one more than `first` to learn whether
 * another follows.
 */
export function connectionStatement(
  type: TypeModel,
  dialect: SqlDialect,
  options: { match: string; order: readonly { column: string; descending: boolean }[]; keys: readonly StoreValue[]; offset: number; first: number },
): Statement {
  const bind = new Binder(dialect);
  const match = dialect.quote(options.match);
  const order = options.order.map((term) => `${dialect.quote(term.column)} ${term.descending ? 'DESC' : 'ASC'}`).join(', ');
  const ranked =
    `SELECT ${selectList(type, dialect, [options.match, ...options.order.map((term) => term.column)])}, ` +
    `row_number() OVER (PARTITION BY ${match} ORDER BY ${order}) AS mg_rn, count(*) OVER (PARTITION BY ${match}) AS mg_total ` +
    `FROM ${relationSql(type.relation!, dialect)} WHERE ${dialect.oneOf(match, options.keys, bind)}`;
  const sql = `SELECT * FROM (${ranked}) mg_ranked WHERE mg_rn > ${bind.bind(options.offset)} AND mg_rn <= ${bind.bind(options.offset + options.first + 1)} ORDER BY ${match}, mg_rn`;
  return { sql, params: bind.values };
}

/** How many rows each parent key has: a connection's count for parents whose page lies past their last row. */
export function countByStatement(type: TypeModel, dialect: SqlDialect, match: string, keys: readonly StoreValue[]): Statement {
  return summaryStatement(dialect, { from: relationSql(type.relation!, dialect), match, measures: [{ alias: 'mg_total', fn: 'count' }], keys });
}

/** Measures over the rows of each parent key (a `summary` field), grouped by the key in one statement. */
export function summaryStatement(dialect: SqlDialect, options: { from: string; match: string; measures: readonly Measure[]; keys: readonly StoreValue[] }): Statement {
  const bind = new Binder(dialect);
  const match = dialect.quote(options.match);
  const sql = `SELECT ${match} AS mg_key, ${options.measures.map((m) => measureSql(m, dialect)).join(', ')} FROM ${options.from} WHERE ${dialect.oneOf(match, options.keys, bind)} GROUP BY ${match}`;
  return { sql, params: bind.values };
}

/** The latest value of a column in a relation: how old the product's data is, read in its engine. */
export function watermarkStatement(from: string, column: string, dialect: SqlDialect): Statement {
  return { sql: `SELECT max(${dialect.quote(column)}) AS mg_watermark FROM ${from}`, params: [] };
}

/**
 * Rows of `type` by key, a whole batch in one statement. A one-column key is the
 * {@link rowsWhereStatement} of the key column; a composite key matches each key's columns
 * together, `(a = $1 AND b = $2) OR ...`: row-value IN lists are not written alike on every engine.
 */
export function entityStatement(type: TypeModel, dialect: SqlDialect, keys: readonly (readonly StoreValue[])[]): Statement {
  if (type.keyColumns.length === 1)
    return rowsWhereStatement(
      type,
      dialect,
      type.keyColumns[0]!,
      keys.map((key) => key[0]!),
    );
  const bind = new Binder(dialect);
  const columns = type.keyColumns.map((column) => dialect.quote(column));
  const each = keys.map((key) => `(${columns.map((column, index) => `${column} = ${bind.bind(key[index]!)}`).join(' AND ')})`);
  return { sql: `SELECT ${selectList(type, dialect)} FROM ${relationSql(type.relation!, dialect)} WHERE ${each.length ? each.join(' OR ') : '1 = 0'}`, params: bind.values };
}

/** One column of another relation per key (a `lookup` field). */
export function lookupStatement(relation: DeclaredRelation, dialect: SqlDialect, match: string, column: string, keys: readonly StoreValue[]): Statement {
  const bind = new Binder(dialect);
  const sql = `SELECT ${dialect.quote(match)}, ${dialect.quote(column)} FROM ${relationSql(relation, dialect)} WHERE ${dialect.oneOf(dialect.quote(match), keys, bind)}`;
  return { sql, params: bind.values };
}

/** A condition on a statement, written when its values are bound (so placeholders run in text order). */
export type Condition = (bind: Binder) => string;

/** One term of a list's order: the SQL it reads, the row property it comes back as, and its direction. */
export interface OrderTerm {
  sql: string;
  property: string;
  descending: boolean;
}

/**
 * One keyset page and the total count in one statement: `matched` selects every row that
 * passes the filters, the page is cut after the cursor's values in the list's order (the
 * key ends every order, so the cut is exact), and `limit` is one more than the page to learn
 * whether another follows.
 */
export function pageStatement(
  type: TypeModel,
  dialect: SqlDialect,
  options: { conditions: readonly Condition[]; order: readonly OrderTerm[]; extraColumns: readonly string[]; after: readonly StoreValue[] | null; limit: number },
): Statement & { matchedSql: string; matchedParams: StoreValue[] } {
  const bind = new Binder(dialect);
  const where = options.conditions.map((condition) => condition(bind));
  const matchedSql = `SELECT ${selectList(type, dialect, options.extraColumns)} FROM ${relationSql(type.relation!, dialect)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const matchedParams = [...bind.values];
  const outer = (term: OrderTerm) => dialect.quote(term.property);
  const keyset = options.after ? ` WHERE ${keysetCondition(options.order.map(outer), options.order, options.after, bind)}` : '';
  const orderBy = (prefix: string) => options.order.map((term) => `${prefix}${outer(term)} ${term.descending ? 'DESC' : 'ASC'}`).join(', ');
  const sql =
    `WITH matched AS (${matchedSql}), total AS (SELECT count(*) AS mg_total FROM matched) ` +
    `SELECT total.mg_total, page.* FROM total LEFT JOIN (SELECT * FROM matched${keyset} ORDER BY ${orderBy('')} LIMIT ${bind.bind(options.limit)}) page ON 1 = 1 ` +
    `ORDER BY ${orderBy('page.')}`;
  return { sql, params: bind.values, matchedSql, matchedParams };
}

/** Rows after `values` in the order: `(a > x) OR (a = x AND b > y) ...`, each value bound where it is used. */
function keysetCondition(columns: readonly string[], order: readonly OrderTerm[], values: readonly StoreValue[], bind: Binder): string {
  const alternatives = order.map((term, index) => {
    const equal = columns.slice(0, index).map((column, j) => `${column} = ${bind.bind(values[j]!)}`);
    return `(${[...equal, `${columns[index]} ${term.descending ? '<' : '>'} ${bind.bind(values[index]!)}`].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

export type MeasureFn = 'sum' | 'count' | 'avg' | 'min' | 'max' | 'countDistinct';

/** A measure as SQL: its function, the SQL it reads (none for count of rows), and its alias. */
export interface Measure {
  alias: string;
  fn: MeasureFn;
  sql?: string;
}

function measureSql(m: Measure, dialect: SqlDialect): string {
  const target = m.sql ?? '*';
  const call = m.fn === 'countDistinct' ? `count(DISTINCT ${target})` : `${m.fn}(${target})`;
  return `${call} AS ${dialect.quote(m.alias)}`;
}

/** Measures over dimensions, grouped and ordered by the dimensions, in one statement. */
export function aggregateStatement(
  dialect: SqlDialect,
  options: {
    from: string;
    dimensions: readonly { alias: string; sql: string; grain?: TimeGrain }[];
    measures: readonly Measure[];
    conditions: readonly Condition[];
  },
): Statement {
  const bind = new Binder(dialect);
  const dimensions = options.dimensions.map((d) => (d.grain ? dialect.timeBucket(d.sql, d.grain) : d.sql));
  const measures = options.measures.map((m) => measureSql(m, dialect));
  const where = options.conditions.map((condition) => condition(bind));
  const groups = dimensions.map((_, index) => String(index + 1));
  const sql =
    `SELECT ${[...dimensions.map((sql, index) => `${sql} AS ${dialect.quote(options.dimensions[index]!.alias)}`), ...measures].join(', ')} FROM ${options.from}` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${groups.length ? ` GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}` : ''}`;
  return { sql, params: bind.values };
}
