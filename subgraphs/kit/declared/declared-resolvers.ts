import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MeshError, MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import type { DeclaredFilter, DeclaredLimit, DeclaredMeasure, DeclaredQuery, DeclaredRelation, DeclaredSort } from '../../../schema/product/declaration.ts';
import { namedTypeOf } from '../../../schema/base/sdl-syntax.ts';
import { readIntInRange, readIsoDate, readIsoMonth } from '../arguments.ts';
import type { ProductContext } from '../create-data-product.ts';
import { readPageArgs, type PageArgs } from '../pagination.ts';
import type { DataStore, StoreValue } from '../store.ts';
import { readSql, referenceColumns, relationSql, rowProperty, type DeclaredModel, type LinkMapping, type TypeModel } from './declared-model.ts';
import {
  aggregateStatement,
  connectionStatement,
  countByStatement,
  entityStatement,
  lookupStatement,
  pageStatement,
  rowsWhereStatement,
  summaryStatement,
  type Condition,
  type OrderTerm,
} from './declared-sql.ts';
import { DIALECTS, type SqlDialect } from './sql-dialect.ts';

type Row = Record<string, unknown>;

/** What start-up learned of the engine: which columns of which relation hold numbers (keys bound to them are sent as numbers). */
export type EngineFacts = Map<string, Set<string>>;

export function relationId(relation: DeclaredRelation): string {
  return JSON.stringify(relation);
}

/**
 * An entity's key as one DataLoader key: the value itself for a one-column key (as GraphQL
 * IDs arrive), the values as a JSON array for a composite key.
 */
function entityKey(values: readonly unknown[]): string {
  return values.length === 1 ? String(values[0]) : JSON.stringify(values.map(String));
}

function entityKeyValues(key: string, length: number): string[] {
  return length === 1 ? [key] : (JSON.parse(key) as string[]);
}

/**
 * The DataLoaders of one request (never shared across requests: see STYLE.md #11). Each
 * batch is one statement: entities by key, rows by a matching column, looked-up values.
 */
export class DeclaredLoaders {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();
  readonly dialect: SqlDialect;

  constructor(
    readonly model: DeclaredModel,
    readonly store: DataStore,
    private readonly facts: EngineFacts | undefined,
  ) {
    this.dialect = DIALECTS[store.kind];
  }

  /** Keys arrive as GraphQL IDs (strings); a numeric column gets numbers. */
  private bound(relation: DeclaredRelation, column: string, keys: readonly string[]): StoreValue[] {
    return this.facts?.get(relationId(relation))?.has(column) ? keys.map(Number) : [...keys];
  }

  private loader<V>(id: string, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    let loader = this.loaders.get(id) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(batch);
      this.loaders.set(id, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  entity(type: TypeModel): DataLoader<string, Row | null> {
    return this.loader(`entity:${type.name}`, async (keys) => {
      const tuples = keys.map((key) => entityKeyValues(key, type.keyColumns.length));
      const byColumn = type.keyColumns.map((column, at) =>
        this.bound(
          type.relation!,
          column,
          tuples.map((tuple) => tuple[at]!),
        ),
      );
      const { sql, params } = entityStatement(
        type,
        this.dialect,
        tuples.map((_, row) => byColumn.map((values) => values[row]!)),
      );
      const byKey = new Map((await this.store.query<Row>(sql, params)).map((row) => [entityKey(type.keyColumns.map((column) => row[column])), row]));
      return keys.map((key) => byKey.get(key) ?? null);
    });
  }

  rowsBy(type: TypeModel, column: string, orderBy: readonly string[]): DataLoader<string, Row[]> {
    return this.loader(`rows:${type.name}:${column}:${orderBy.join(',')}`, async (keys) => {
      const { sql, params } = rowsWhereStatement(type, this.dialect, column, this.bound(type.relation!, column, keys), orderBy);
      const byKey = new Map<string, Row[]>();
      for (const row of await this.store.query<Row>(sql, params)) {
        const key = String(row[column]);
        byKey.set(key, [...(byKey.get(key) ?? []), row]);
      }
      return keys.map((key) => byKey.get(key) ?? []);
    });
  }

  /**
   * Pages of rows per parent, keyed `first:offset NUL parent`: one statement per distinct
   * page size and offset in the batch (all parents on one plan level share them).
   */
  connection(id: string, type: TypeModel, match: string, order: readonly ColumnOrder[]): DataLoader<string, { rows: Row[]; total: number }> {
    return this.loader(`connection:${id}`, async (keys) => {
      const byPage = new Map<string, string[]>();
      for (const key of keys) {
        const at = key.indexOf('\u0000');
        byPage.set(key.slice(0, at), [...(byPage.get(key.slice(0, at)) ?? []), key.slice(at + 1)]);
      }
      const found = new Map<string, { rows: Row[]; total: number }>();
      for (const [page, parents] of byPage) {
        const [first, offset] = page.split(':').map(Number) as [number, number];
        const { sql, params } = connectionStatement(type, this.dialect, { match, order, keys: this.bound(type.relation!, match, parents), offset, first });
        for (const parent of parents) found.set(`${page}\u0000${parent}`, { rows: [], total: 0 });
        for (const { mg_rn: _rn, mg_total, ...row } of await this.store.query<Row>(sql, params)) {
          const entry = found.get(`${page}\u0000${String(row[match])}`)!;
          entry.total = Number(mg_total);
          entry.rows.push(row);
        }
        // A page past a parent's last row brings no count with it: those parents are counted in one more statement.
        const beyond = offset > 0 ? parents.filter((parent) => found.get(`${page}\u0000${parent}`)!.rows.length === 0) : [];
        if (beyond.length) {
          const counted = countByStatement(type, this.dialect, match, this.bound(type.relation!, match, beyond));
          for (const row of await this.store.query<Row>(counted.sql, counted.params)) found.get(`${page}\u0000${String(row.mg_key)}`)!.total = Number(row.mg_total);
        }
      }
      return keys.map((key) => found.get(key)!);
    });
  }

  /** Measures per parent key, every parent of the batch grouped in one statement. */
  summary(id: string, from: string, source: TypeModel | undefined, match: string, measures: Record<string, DeclaredMeasure>, relation: DeclaredRelation): DataLoader<string, Row | undefined> {
    return this.loader(`summary:${id}`, async (keys) => {
      const { sql, params } = summaryStatement(this.dialect, {
        from,
        match,
        measures: Object.entries(measures).map(([alias, m]) => ({ alias, fn: m.fn, sql: m.field || m.column ? targetSql(source, m, this.dialect) : undefined })),
        keys: this.bound(relation, match, keys),
      });
      const byKey = new Map((await this.store.query<Row>(sql, params)).map((row) => [String(row.mg_key), row]));
      return keys.map((key) => byKey.get(key));
    });
  }

  lookup(relation: DeclaredRelation, match: string, column: string): DataLoader<string, unknown> {
    return this.loader(`lookup:${relationId(relation)}:${match}:${column}`, async (keys) => {
      const { sql, params } = lookupStatement(relation, this.dialect, match, column, this.bound(relation, match, keys));
      const byKey = new Map((await this.store.query<Row>(sql, params)).map((row) => [String(row[match]), row[column]]));
      return keys.map((key) => byKey.get(key) ?? null);
    });
  }
}

type Context = ProductContext<DeclaredLoaders>;

/** One term of a connection's order: a column of its relation and its direction. */
export interface ColumnOrder {
  column: string;
  descending: boolean;
}

/** Builds the subgraph's resolvers from the declaration: no code per product. */
export function declaredResolvers(model: DeclaredModel): GraphQLResolverMap<Context> {
  const resolvers: GraphQLResolverMap<Context> = {};
  for (const type of model.types.values()) resolvers[type.name] = typeResolvers(model, type);
  const query: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(model.declaration.queries)) query[name] = queryResolver(model, name, declared);
  if (Object.keys(query).length) resolvers.Query = query as GraphQLResolverMap<Context>[string];
  return resolvers;
}

/** The one-column key of a row, which rows and lookup fields match on (a composite key has neither: see `keyColumnsOf`). */
function keyOf(type: TypeModel, row: Row): string {
  return String(type.relation ? row[type.keyColumns[0]!] : row[type.keyFields[0]!]);
}

function typeResolvers(model: DeclaredModel, type: TypeModel): GraphQLResolverMap<Context>[string] {
  const fields: Record<string, unknown> = {
    // Another product's entity this one only adds to: the reference is all there is to it.
    __resolveReference: type.relation
      ? (ref: Row, ctx: Context) => ctx.loaders.entity(type).load(entityKey(type.keyFields.map((field) => ref[field])))
      : (ref: Row) => Object.fromEntries(type.keyFields.map((field) => [field, ref[field]])),
  };
  for (const [field, read] of type.scalars) {
    const property = rowProperty(read);
    if (property !== field) fields[field] = (row: Row) => row[property];
  }
  for (const [field, link] of type.links) {
    if ('reference' in link) {
      const keyFields = model.keyFields.get(link.reference) ?? ['id'];
      const columns = referenceColumns(link);
      const local = model.types.get(link.reference);
      const empty = (row: Row) => columns.some((column) => row[column] === null || row[column] === undefined);
      // A reference with any key column empty points at nothing. One to a type this product
      // reads itself is its row, batched per request; the gateway resolves another product's.
      fields[field] = local?.relation
        ? (row: Row, _: unknown, ctx: Context) => (empty(row) ? null : ctx.loaders.entity(local).load(entityKey(columns.map((column) => row[column]))))
        : (row: Row) => (empty(row) ? null : { __typename: link.reference, ...Object.fromEntries(keyFields.map((keyField, index) => [keyField, String(row[columns[index]!])])) });
    } else if ('lookup' in link) {
      const { from, match, column } = link.lookup;
      fields[field] = (row: Row, _: unknown, ctx: Context) => ctx.loaders.lookup(from, match, column).load(keyOf(type, row));
    } else if ('connection' in link) {
      fields[field] = connectionResolver(model, type, field, link.connection);
    } else if ('summary' in link) {
      fields[field] = summaryResolver(model, type, field, link.summary);
    } else {
      const target = model.types.get(link.rows.type)!;
      const { match, orderBy, limit } = link.rows;
      fields[field] = async (row: Row, args: Row, ctx: Context) => {
        const count = limit ? readLimit(limit, args) : undefined;
        const rows = await ctx.loaders.rowsBy(target, match, orderBy).load(keyOf(type, row));
        return count === undefined ? rows : rows.slice(0, count);
      };
    }
  }
  return fields as GraphQLResolverMap<Context>[string];
}

type ConnectionLink = Extract<LinkMapping, { connection: unknown }>['connection'];
type SummaryLink = Extract<LinkMapping, { summary: unknown }>['summary'];

/**
 * A parent's rows as a connection. The cursor is the row's number in the parent's order,
 * sealed to this field of this parent: it opens on no other parent's list.
 */
function connectionResolver(model: DeclaredModel, parent: TypeModel, field: string, link: ConnectionLink) {
  const target = model.types.get(link.type)!;
  const order: ColumnOrder[] = link.orderBy.map((entry) => ({ column: entry.replace(/^-/, ''), descending: entry.startsWith('-') }));
  for (const column of target.keyColumns) if (!order.some((term) => term.column === column)) order.push({ column, descending: false });
  const isEntity = model.keyFields.has(target.name);
  const id = `${parent.name}.${field}`;
  return async (row: Row, args: PageArgs, ctx: Context) => {
    const key = keyOf(parent, row);
    const scope = `${parent.name}.${field}\u0000${key}`;
    const { first, afterKey } = readPageArgs(ctx.cursors, args, scope, link.defaultSize ?? 20);
    const offset = afterKey === null ? 0 : Number(afterKey);
    if (!Number.isInteger(offset) || offset < 0) throw new MeshError(MeshErrorCode.INVALID_CURSOR, 'The "after" cursor is not one this field returned');
    const { rows, total } = await ctx.loaders.connection(id, target, link.match, order).load(`${first}:${offset}\u0000${key}`);
    const entities = isEntity ? ctx.loaders.entity(target) : undefined;
    const edges = rows.slice(0, first).map((node, index) => {
      entities?.prime(entityKey(target.keyColumns.map((column) => node[column])), node);
      return { cursor: ctx.cursors.seal(String(offset + index + 1), scope), node };
    });
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: total };
  };
}

/** Measures over a parent's rows; a parent with none has counts and sums of 0 and no minimum, maximum or average. */
function summaryResolver(model: DeclaredModel, parent: TypeModel, field: string, link: SummaryLink) {
  const source = typeof link.from === 'string' ? model.types.get(link.from) : undefined;
  const relation = source ? source.relation! : (link.from as DeclaredRelation);
  const sdlField = (model.sdlFields.get(parent.name) ?? []).find((f) => f.name.value === field)!;
  const outputFields = new Map((model.sdlFields.get(namedTypeOf(sdlField.type)) ?? []).map((f) => [f.name.value, namedTypeOf(f.type)]));
  const id = `${parent.name}.${field}`;
  return async (row: Row, _: unknown, ctx: Context) => {
    const found = await ctx.loaders.summary(id, relationSql(relation, ctx.loaders.dialect), source, link.match, link.measures, relation).load(keyOf(parent, row));
    const out: Row = {};
    for (const [alias, measure] of Object.entries(link.measures)) {
      out[alias] = found ? measureValue(measure, found[alias], outputFields.get(alias)) : measure.fn === 'min' || measure.fn === 'max' || measure.fn === 'avg' ? null : 0;
    }
    return out;
  };
}

/** A measure as the schema types it: engines answer sums and counts as big integers or decimals (strings). */
function measureValue(measure: DeclaredMeasure, value: unknown, outputType: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (measure.round !== undefined) return Math.round(Number(value) * 10 ** measure.round) / 10 ** measure.round;
  return outputType === 'String' || outputType === 'ID' ? String(value) : Number(value);
}

/**
 * A caller's text as a bound value. NUL is refused here, the same on every engine: Postgres
 * refuses it in text and others would cut the string at it.
 */
function bindable(argument: string, value: unknown): StoreValue {
  if (typeof value === 'string' && value.includes('\u0000')) throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" must not contain NUL characters`);
  return value as StoreValue;
}

function readLimit(limit: DeclaredLimit, args: Row): number {
  return readIntInRange(limit.argument, args[limit.argument] as number, limit.min, limit.max);
}

function queryResolver(model: DeclaredModel, name: string, declared: DeclaredQuery): unknown {
  if ('entity' in declared) {
    const type = model.types.get(declared.entity)!;
    const argumentNames = type.keyFields.length === 1 ? [declared.argument ?? type.keyFields[0]!] : type.keyFields;
    return (_: unknown, args: Row, ctx: Context) => ctx.loaders.entity(type).load(entityKey(argumentNames.map((argument) => bindable(argument, args[argument]))));
  }
  if ('rows' in declared) {
    const type = model.types.get(declared.rows)!;
    return async (_: unknown, args: Row, ctx: Context) => {
      const count = declared.limit ? readLimit(declared.limit, args) : undefined;
      const key = String(bindable(declared.match.argument, args[declared.match.argument]));
      const rows = await ctx.loaders.rowsBy(type, declared.match.column, declared.orderBy).load(key);
      return count === undefined ? rows : rows.slice(0, count);
    };
  }
  if ('list' in declared) return listResolver(model, name, declared);
  return aggregateResolver(model, name, declared);
}

/** The value at an argument path (`filter.segment`); null, absent and '' set no condition, as in the hand-written products. */
function argumentAt(args: Row, path: string): unknown {
  const [head, leaf] = path.split('.') as [string, string | undefined];
  const value = leaf === undefined ? args[head] : (args[head] as Row | null | undefined)?.[leaf];
  return value === null || value === undefined || value === '' ? undefined : value;
}

/** The SQL a filter or dimension reads: a declared field of `type`, or a column. */
function targetSql(type: TypeModel | undefined, target: { field?: string; column?: string }, dialect: SqlDialect): string {
  const read = target.field !== undefined ? type?.scalars.get(target.field) : undefined;
  if (read) return readSql(read, dialect);
  return dialect.quote(target.column ?? target.field!);
}

const COMPARISONS = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** Conditions for every filter argument the caller set, values checked and bound. */
function filterConditions(type: TypeModel | undefined, filters: Record<string, DeclaredFilter>, args: Row, dialect: SqlDialect): Condition[] {
  const conditions: Condition[] = [];
  // The checked value of each filter set, for the ranges (notAfter) read after all are checked.
  const checked = new Map<string, StoreValue>();
  for (const [path, filter] of Object.entries(filters)) {
    const raw = argumentAt(args, path);
    if (raw === undefined) continue;
    const argument = path.split('.').at(-1)!;
    if (filter.op === 'holds') {
      const condition = `(${filter.condition})`;
      conditions.push(() => (raw === true ? condition : `NOT ${condition}`));
      continue;
    }
    const sql = targetSql(type, filter, dialect);
    const value = (v: unknown): StoreValue => {
      if (typeof v === 'string' && filter.format === 'date') return readIsoDate(argument, v);
      if (typeof v === 'string' && filter.format === 'month') return readIsoMonth(argument, v);
      return bindable(argument, v);
    };
    switch (filter.op) {
      case 'in': {
        const values = (Array.isArray(raw) ? raw : [raw]).map(value);
        if (values.length > 1000) throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" takes at most 1000 values`);
        conditions.push((bind) => dialect.oneOf(sql, values as readonly string[], bind));
        break;
      }
      case 'prefix': {
        // The prefix is data, never a pattern: LIKE's wildcards in it are escaped.
        const pattern = `${String(value(raw)).replace(/[!%_]/g, (c) => `!${c}`)}%`;
        conditions.push((bind) => `${sql} LIKE ${bind.bind(pattern)} ESCAPE '!'`);
        break;
      }
      default: {
        const v = value(raw);
        checked.set(path, v);
        conditions.push((bind) => `${sql} ${COMPARISONS[filter.op as keyof typeof COMPARISONS]} ${bind.bind(v)}`);
      }
    }
  }
  for (const [path, filter] of Object.entries(filters)) {
    const [low, high] = [checked.get(path), filter.notAfter === undefined ? undefined : checked.get(filter.notAfter)];
    if (low === undefined || high === undefined || low === null || high === null || !(low > high)) continue;
    const [from, to] = [path.split('.').at(-1)!, filter.notAfter!.split('.').at(-1)!];
    // Checked dates and months are safe to say back; other values are not reflected.
    const shown = (v: StoreValue) => (filter.format ? ` (${String(v)})` : '');
    throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${from}"${shown(low)} is after "${to}"${shown(high)}`);
  }
  return conditions;
}

/** The order a list is in: the chosen sort's terms, then the key, which makes every order total. */
function orderTerms(type: TypeModel, sort: DeclaredSort | undefined, args: Row, dialect: SqlDialect): { order: OrderTerm[]; extraColumns: string[]; name: string } {
  const chosen = sort ? (args[sort.argument] as string | null | undefined) : undefined;
  const terms: OrderTerm[] = [];
  const extraColumns: string[] = [];
  if (sort && chosen !== null && chosen !== undefined) {
    const entries = sort.orders[chosen];
    if (!entries) throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${sort.argument}" has no declared order ${JSON.stringify(chosen).slice(0, 40)}`);
    for (const entry of entries) {
      const descending = entry.startsWith('-');
      const name = descending ? entry.slice(1) : entry;
      const read = type.scalars.get(name);
      if (read) terms.push({ sql: readSql(read, dialect), property: rowProperty(read), descending });
      else {
        extraColumns.push(name);
        terms.push({ sql: dialect.quote(name), property: name, descending });
      }
    }
  }
  for (const column of type.keyColumns) if (!terms.some((term) => term.property === column)) terms.push({ sql: dialect.quote(column), property: column, descending: false });
  return { order: terms, extraColumns, name: chosen ?? '' };
}

function listResolver(model: DeclaredModel, name: string, declared: Extract<DeclaredQuery, { list: string }>) {
  const type = model.types.get(declared.list)!;
  return async (_: unknown, args: PageArgs & Row, ctx: Context) => {
    const dialect = ctx.loaders.dialect;
    const conditions = filterConditions(type, declared.filters, args, dialect);
    const { order, extraColumns, name: sortName } = orderTerms(type, declared.sort, args, dialect);
    // A cursor belongs to this very list: the same filtered statement, values and order.
    const probe = pageStatement(type, dialect, { conditions, order, extraColumns, after: null, limit: 0 });
    const scope = `${name}\u0000${probe.matchedSql}\u0000${JSON.stringify(probe.matchedParams)}\u0000${sortName}`;
    const { first, afterKey } = readPageArgs(ctx.cursors, args, scope, declared.defaultSize ?? 20);
    const after = afterKey === null ? null : openCursorValues(afterKey, order.length);
    const { sql, params } = pageStatement(type, dialect, { conditions, order, extraColumns, after, limit: first + 1 });
    const rows = await ctx.store.query<Row>(sql, params);
    const totalCount = Number(rows[0]?.mg_total ?? 0);
    const pageRows = rows.filter((row) => row[type.keyColumns[0]!] !== null && row[type.keyColumns[0]!] !== undefined);
    const entities = ctx.loaders.entity(type);
    const edges = pageRows.slice(0, first).map((row) => {
      const { mg_total: _total, ...node } = row;
      // Entity fetches later in the plan reuse the rows of the page.
      entities.prime(entityKey(type.keyColumns.map((column) => node[column])), node);
      return { cursor: ctx.cursors.seal(JSON.stringify(order.map((term) => node[term.property] ?? null)), scope), node };
    });
    return { edges, pageInfo: { hasNextPage: pageRows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
  };
}

/** The order values inside a sealed cursor. The seal proves this product made it for this list; the shape is checked anyway. */
function openCursorValues(payload: string, length: number): StoreValue[] {
  let values: unknown;
  try {
    values = JSON.parse(payload);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== length || values.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
    throw new MeshError(MeshErrorCode.INVALID_CURSOR, 'The "after" cursor is not one this field returned');
  }
  return values as StoreValue[];
}

function aggregateResolver(model: DeclaredModel, name: string, declared: Extract<DeclaredQuery, { aggregate: unknown }>) {
  const { aggregate } = declared;
  const type = typeof aggregate.from === 'string' ? model.types.get(aggregate.from) : undefined;
  const relation = type ? type.relation! : (aggregate.from as DeclaredRelation);
  const field = (model.sdlFields.get('Query') ?? []).find((f) => f.name.value === name)!;
  const outputFields = new Map((model.sdlFields.get(namedTypeOf(field.type)) ?? []).map((f) => [f.name.value, namedTypeOf(f.type)]));
  return async (_: unknown, args: Row, ctx: Context) => {
    const dialect = ctx.loaders.dialect;
    const { sql, params } = aggregateStatement(dialect, {
      from: relationSql(relation, dialect),
      dimensions: Object.entries(aggregate.dimensions).map(([alias, d]) => ({ alias, sql: targetSql(type, d.field || d.column ? d : { field: alias }, dialect), grain: d.grain })),
      measures: Object.entries(aggregate.measures).map(([alias, m]) => ({ alias, fn: m.fn, sql: m.field || m.column ? targetSql(type, m, dialect) : undefined })),
      conditions: filterConditions(type, aggregate.filters, args, dialect),
    });
    const rows = await ctx.store.query<Row>(sql, params);
    return rows.map((row) => {
      const out: Row = {};
      for (const alias of Object.keys(aggregate.dimensions)) out[alias] = row[alias];
      for (const [alias, measure] of Object.entries(aggregate.measures)) out[alias] = measureValue(measure, row[alias], outputFields.get(alias));
      return out;
    });
  };
}
