import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DECLARATION_FILE, loadDeclaration, type Declaration, type DeclaredRelation } from '../../../schema/product/declaration.ts';
import { ConfigError, MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import type { DataProductDefinition, DataProductOptions, SeededProductDefinition } from '../create-data-product.ts';
import { DuckDbStore } from '../duckdb-store.ts';
import { MySqlStore } from '../mysql-store.ts';
import { PostgresStore } from '../postgres-store.ts';
import type { DataStore, StoreColumn } from '../store.ts';
import { buildModel, referenceColumns, relationSql, type DeclaredModel } from './declared-model.ts';
import { readDeclaredWatermark, watermarkRelation } from './declared-freshness.ts';
import { DeclaredLoaders, declaredResolvers, relationId, type EngineFacts } from './declared-resolvers.ts';
import { DIALECTS } from './sql-dialect.ts';

/**
 * A data product from its folder alone: `product.yaml`, `schema.graphql` and `declared.yaml`.
 * The kit serves it with resolvers, per-request DataLoaders, keyset pages with sealed cursors
 * and GROUP BY aggregates it derives from the declaration; the team writes no code.
 *
 * @example export const suppliersProduct = declaredProduct({ dir: import.meta.dirname });
 */
export function declaredProduct(options: { dir: string; seed: NonNullable<DataProductDefinition<DeclaredLoaders>['seed']> }): SeededProductDefinition<DeclaredLoaders>;
export function declaredProduct(options: { dir: string; seed?: DataProductDefinition<DeclaredLoaders>['seed'] }): DataProductDefinition<DeclaredLoaders>;
export function declaredProduct(options: { dir: string; seed?: DataProductDefinition<DeclaredLoaders>['seed'] }): DataProductDefinition<DeclaredLoaders> {
  const declaration = loadDeclaration(options.dir);
  if (!declaration) throw new ConfigError(MeshErrorCode.DECLARATION_INVALID, join(options.dir, DECLARATION_FILE), ['is missing: a declared product needs one']);
  const model = buildModel(declaration, readFileSync(join(options.dir, 'schema.graphql'), 'utf8'));
  // What start-up learned of each store (numeric key columns), by store: a product object may be served from several.
  const facts = new WeakMap<DataStore, EngineFacts>();
  const engine = declaration.engine;
  const ownEngine = engine.kind !== 'duckdb' || engine.file !== undefined || engine.files !== undefined;
  return {
    dir: options.dir,
    resolvers: declaredResolvers(model),
    createLoaders: (store) => new DeclaredLoaders(model, store, facts.get(store)),
    seed: options.seed,
    readWatermark: (store) => readDeclaredWatermark(model, store),
    ...(ownEngine ? { openStore: (productOptions: DataProductOptions) => openDeclaredEngine(declaration, options.dir, productOptions) } : {}),
    async verifyStore(store) {
      facts.set(store, await verifyDeclaration(model, store, join(options.dir, DECLARATION_FILE)));
    },
  };
}

/** Opens the engine `declared.yaml` names; a URL comes from the environment variable it names (or the product's options). */
export async function openDeclaredEngine(declaration: Declaration, dir: string, options: Pick<DataProductOptions, 'storeUrl'> = {}): Promise<DataStore> {
  const engine = declaration.engine;
  const inDir = (path: string) => (isAbsolute(path) ? path : join(dir, path));
  switch (engine.kind) {
    case 'duckdb':
      if (engine.files) return DuckDbStore.overFiles(Object.fromEntries(Object.entries(engine.files).map(([view, path]) => [view, inDir(path)])));
      return DuckDbStore.open(inDir(engine.file ?? 'store/product.duckdb'));
    case 'postgres':
    case 'mysql': {
      const url = options.storeUrl ?? process.env[engine.urlEnv];
      if (!url) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, engine.urlEnv, [`is not set: the product reads its ${engine.kind} engine from the URL in it`]);
      const scheme = engine.kind === 'postgres' ? /^postgres(ql)?:\/\// : /^(mysql|mariadb):\/\//;
      if (!scheme.test(url)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, engine.urlEnv, [`must be a ${engine.kind === 'postgres' ? 'postgres://' : 'mysql://'} URL for engine ${engine.kind}`]);
      return engine.kind === 'postgres' ? PostgresStore.open(url, { schema: engine.schema }) : MySqlStore.open(url.replace(/^mariadb:/, 'mysql:'));
    }
  }
}

/**
 * Checks every relation and column the declaration reads against the engine, without reading
 * a row, and learns which columns are numeric. A missing one refuses the product with
 * DECLARATION_MISMATCH naming the declaration path, the column and the relation.
 */
async function verifyDeclaration(model: DeclaredModel, store: DataStore, source: string): Promise<EngineFacts> {
  const facts: EngineFacts = new Map();
  if (!store.columnsOf) return facts;
  const dialect = DIALECTS[store.kind];
  const problems: string[] = [];
  const described = new Map<string, StoreColumn[] | string>();
  const describe = async (relation: DeclaredRelation): Promise<StoreColumn[] | string> => {
    const id = relationId(relation);
    if (!described.has(id)) {
      described.set(id, await store.columnsOf!(relationSql(relation, dialect)).catch((error: Error) => `cannot be read (${firstLine(error.message)})`));
    }
    return described.get(id)!;
  };
  const nameOf = (relation: DeclaredRelation) => ('table' in relation ? `table ${relation.table}` : 'view' in relation ? `view ${relation.view}` : 'the declared query');
  const expect = async (relation: DeclaredRelation, columns: readonly (readonly [string, string])[]) => {
    const found = await describe(relation);
    if (typeof found === 'string') {
      problems.push(`${nameOf(relation)} ${found}`);
      return;
    }
    const names = new Set(found.map((column) => column.name));
    for (const [path, column] of columns) if (!names.has(column)) problems.push(`${path}: ${nameOf(relation)} has no column ${column}`);
    facts.set(relationId(relation), new Set(found.filter((column) => column.numeric).map((column) => column.name)));
  };
  const expression = async (relation: DeclaredRelation, path: string, sql: string) => {
    await store.columnsOf!(`(SELECT ${sql} AS mg_probe FROM ${relationSql(relation, dialect)}) mg_probe`).catch((error: Error) => problems.push(`${path}: ${firstLine(error.message)}`));
  };
  for (const type of model.types.values()) {
    if (!type.relation) continue;
    const base = `types.${type.name}`;
    const columns: [string, string][] = type.keyColumns.map((column) => [`${base}.key`, column]);
    for (const [field, read] of type.scalars) {
      if ('column' in read) columns.push([`${base}.fields.${field}`, read.column]);
      else await expression(type.relation, `${base}.fields.${field}`, `(${read.expression})`);
    }
    for (const [field, link] of type.links) {
      if ('reference' in link) for (const column of referenceColumns(link)) columns.push([`${base}.fields.${field}`, column]);
      else if ('lookup' in link)
        await expect(link.lookup.from, [
          [`${base}.fields.${field}.lookup.match`, link.lookup.match],
          [`${base}.fields.${field}.lookup.column`, link.lookup.column],
        ]);
    }
    await expect(type.relation, columns);
  }
  for (const type of model.types.values()) {
    for (const [field, link] of type.links) {
      const path = `types.${type.name}.fields.${field}`;
      if ('rows' in link) {
        await expect(
          model.types.get(link.rows.type)!.relation!,
          [link.rows.match, ...link.rows.orderBy].map((column) => [`${path}.rows`, column] as const),
        );
      } else if ('connection' in link) {
        await expect(
          model.types.get(link.connection.type)!.relation!,
          [link.connection.match, ...link.connection.orderBy.map((entry) => entry.replace(/^-/, ''))].map((column) => [`${path}.connection`, column] as const),
        );
      } else if ('summary' in link) {
        const source = typeof link.summary.from === 'string' ? model.types.get(link.summary.from) : undefined;
        const columns: (readonly [string, string])[] = [[`${path}.summary.match`, link.summary.match]];
        for (const [alias, m] of Object.entries(link.summary.measures)) {
          const read = m.field !== undefined ? source?.scalars.get(m.field) : undefined;
          if (read && !('column' in read)) continue;
          if (m.field !== undefined || m.column !== undefined) columns.push([`${path}.summary.measures.${alias}`, read && 'column' in read ? read.column : (m.column ?? m.field!)]);
        }
        await expect(source ? source.relation! : (link.summary.from as DeclaredRelation), columns);
      }
    }
  }
  const watermark = model.declaration.watermark;
  if (watermark) await expect(watermarkRelation(model, watermark), [['watermark.column', watermark.column]]);
  for (const [name, query] of Object.entries(model.declaration.queries)) {
    const base = `queries.${name}`;
    const filters = 'list' in query ? query.filters : 'aggregate' in query ? query.aggregate.filters : {};
    const served =
      'list' in query
        ? model.types.get(query.list)
        : 'rows' in query
          ? model.types.get(query.rows)
          : 'aggregate' in query && typeof query.aggregate.from === 'string'
            ? model.types.get(query.aggregate.from)
            : undefined;
    const relation = served?.relation ?? ('aggregate' in query && typeof query.aggregate.from !== 'string' ? query.aggregate.from : undefined);
    if (!relation) continue;
    const columns: (readonly [string, string])[] = [];
    const column = (path: string, target: { field?: string; column?: string }) => {
      const read = target.field !== undefined ? served?.scalars.get(target.field) : undefined;
      if (read && 'column' in read) columns.push([path, read.column]);
      else if (!read) columns.push([path, target.column ?? target.field!]);
    };
    for (const [path, filter] of Object.entries(filters)) {
      if (filter.op === 'holds') await expression(relation, `${base}.filters.${path}.condition`, `CASE WHEN ${filter.condition} THEN 1 ELSE 0 END`);
      else column(`${base}.filters.${path}`, filter);
    }
    if ('rows' in query) for (const c of [query.match.column, ...query.orderBy]) columns.push([base, c]);
    if ('list' in query && query.sort) {
      for (const [order, entries] of Object.entries(query.sort.orders)) for (const entry of entries) column(`${base}.sort.orders.${order}`, { field: entry.replace(/^-/, '') });
    }
    if ('aggregate' in query) {
      for (const [alias, d] of Object.entries(query.aggregate.dimensions)) column(`${base}.aggregate.dimensions.${alias}`, d.field || d.column ? d : { field: alias });
      for (const [alias, m] of Object.entries(query.aggregate.measures)) if (m.field || m.column) column(`${base}.aggregate.measures.${alias}`, m);
    }
    await expect(relation, columns);
  }
  if (problems.length) throw new ConfigError(MeshErrorCode.DECLARATION_MISMATCH, `${source} (${store.kind})`, problems);
  return facts;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 200);
}
