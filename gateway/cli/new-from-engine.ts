import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DECLARATION_FILE, loadDeclaration } from '../../schema/product/declaration.ts';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { computeLineage, serializeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, meshPaths } from '../../schema/contracts/mesh.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';
import { buildModel } from '../../subgraphs/kit/declared/declared-model.ts';
import { CATALOGS, type CatalogColumn, type CatalogTable, type ColumnKind } from '../../subgraphs/kit/declared/engine-catalog.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { MySqlStore } from '../../subgraphs/kit/mysql-store.ts';
import { PostgresStore } from '../../subgraphs/kit/postgres-store.ts';
import type { DataStore, StoreKind } from '../../subgraphs/kit/store.ts';
import { addToMesh, camel, pascal } from '../onboarding/product-scaffold.ts';

/**
 * `meshgate new <product> --from <engine> --table <name>...`: a declared product from tables
 * a team already has, on PostgreSQL (and the engines that speak its protocol), MySQL/MariaDB,
 * a DuckDB file, or Parquet/CSV/JSON files. It reads the engine's catalog through the kit's
 * reader for that engine (the kit's `CATALOGS`) and writes product.yaml,
 * schema.graphql, declared.yaml, its entry module and a test: a type per table, a field per column,
 * the key from the primary key (several columns: `@key(fields: "a b")`), descriptions from
 * the comments, a foreign key to a table this product or another declared product of the
 * mesh serves as a reference to that entity (by a composite key too), a list per type with
 * filters by what each column holds and a sort on the key, and every field classified
 * `internal` until someone decides. Then it adds the product to the demo mesh's list (as
 * `meshgate new` does), refreshes the lineage and publishes the 1.0.0 baseline, so
 * `meshgate check` passes as written. A URL is not written anywhere: the product reads it
 * from `<PRODUCT>_STORE_URL`. Names come from the catalog only where declared.yaml can hold
 * them (letters, digits, `_`, `$`); any other is refused with CONFIG_INVALID, naming it.
 */
export interface NewFromEngineOptions {
  name: string;
  /** A postgres:// or mysql:// (mariadb://) URL, a DuckDB database file, or Parquet/CSV/JSON files (a glob allowed). */
  from: string;
  tables: readonly string[];
  /** Key columns of tables the catalog gives no primary key (views, files): `table=a,b`, or `a,b` for every such table. */
  keys?: readonly string[];
  domain: string;
  owner: string;
  contact?: string;
  root?: string;
  today?: string;
}

/** The engine `--from` names, how to open it for its catalog, and what declared.yaml says of it. */
interface EngineSource {
  kind: StoreKind;
  open(): Promise<DataStore>;
  /** The `engine:` line of declared.yaml, once the product folder and schema are known. */
  declaration(dir: string, schema: string): string;
  /** The environment variable holding the URL, for engines reached by one. */
  urlEnv?: string;
}

const FILES = /\.(parquet|csv|tsv|json|jsonl|ndjson)(\.gz)?$/i;

function engineSource(from: string, name: string, tables: readonly string[], root: string): EngineSource | string {
  const urlEnv = `${name.replace(/-/g, '_').toUpperCase()}_STORE_URL`;
  // A path is written relative to the product folder when it lies in the mesh, so the mesh moves as one.
  const pathFrom = (dir: string) => {
    const absolute = resolve(from);
    return relative(root, absolute).startsWith('..') ? absolute : relative(dir, absolute);
  };
  if (/^postgres(ql)?:\/\//.test(from))
    return { kind: 'postgres', urlEnv, open: async () => PostgresStore.open(from, { max: 1 }), declaration: (_, schema) => `{ kind: postgres, urlEnv: ${urlEnv}, schema: ${schema} }` };
  if (/^(mysql|mariadb):\/\//.test(from))
    return { kind: 'mysql', urlEnv, open: async () => MySqlStore.open(from.replace(/^mariadb:/, 'mysql:'), { max: 1 }), declaration: () => `{ kind: mysql, urlEnv: ${urlEnv} }` };
  if (/\.(duckdb|db)$/i.test(from)) {
    if (!existsSync(from)) return `--from: ${JSON.stringify(from)} does not exist`;
    return { kind: 'duckdb', open: () => DuckDbStore.open(resolve(from)), declaration: (dir) => `{ kind: duckdb, file: ${JSON.stringify(pathFrom(dir))} }` };
  }
  if (FILES.test(from)) {
    // Files are one relation: the view --table names.
    if (tables.length !== 1) return '--from: files are read as one view: name it with exactly one --table';
    const view = tables[0]!;
    return {
      kind: 'duckdb',
      open: () => DuckDbStore.overFiles({ [view]: resolve(from) }),
      declaration: (dir) => `{ kind: duckdb, files: { ${view}: ${JSON.stringify(pathFrom(dir))} } }`,
    };
  }
  return '--from: must be a postgres:// or mysql:// (mariadb://) URL, a DuckDB file (.duckdb), or Parquet, CSV or JSON files';
}

/** A name from the catalog that declared.yaml can hold and the dialects quote: letters, digits, `_` and `$`. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const shown = (text: string) => JSON.stringify(text.slice(0, 80));

/** `--key orders=id` or `--key id`: key columns by table, `*` for every table without a primary key. */
function keysByTable(keys: readonly string[]): Map<string, string[]> {
  const byTable = new Map<string, string[]>();
  for (const entry of keys) {
    const [table, columns] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : ['*', entry];
    byTable.set(
      table,
      columns.split(',').map((column) => column.trim()),
    );
  }
  return byTable;
}

/** Reads each table from the engine's catalog; refuses a table it lacks, one without a key, and names meshgate cannot declare. */
async function readCatalog(engine: EngineSource, tables: readonly string[], keys: readonly string[]): Promise<CatalogTable[]> {
  const store = await engine.open();
  const reader = CATALOGS[engine.kind];
  const given = keysByTable(keys);
  const problems: string[] = [];
  const read: CatalogTable[] = [];
  try {
    for (const qualified of tables) {
      const [schema, name] = qualified.includes('.') ? (qualified.split('.', 2) as [string, string]) : [undefined, qualified];
      const table = await reader.readTable(store, schema, name);
      if (!table) {
        problems.push(`${qualified}: no such table or view in the ${engine.kind} engine`);
        continue;
      }
      for (const column of table.columns) if (!IDENTIFIER.test(column.name)) problems.push(`${qualified}.${shown(column.name)}: a column name meshgate cannot declare (letters, digits, _ and $ only)`);
      const key = table.key.length ? table.key : (given.get(qualified) ?? given.get(name) ?? given.get('*') ?? []);
      const lacking = key.filter((column) => !table.columns.some((c) => c.name === column));
      if (key.length === 0) problems.push(`${qualified}: has no primary key; name its key with --key ${name}=<column>[,<column>]`);
      else if (lacking.length) problems.push(`${qualified}: --key names ${lacking.map(shown).join(', ')}, which it has no column of`);
      read.push({ ...table, key });
    }
  } finally {
    await store.close();
  }
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', problems);
  return read;
}

/** `customers` -> `Customer`, `order_lines` -> `OrderLine`, `categories` -> `Category`. */
function typeNameOf(table: string): string {
  const singular = table
    .replace(/ies$/, 'y')
    .replace(/(ss|x|ch|sh)es$/, '$1')
    .replace(/([^s])s$/, '$1');
  return pascal(singular);
}

/** The published type of a column: keys as IDs; bigint as a string, since GraphQL's Int holds 32 bits; dates, times and text as strings. */
const GRAPHQL_TYPE: Readonly<Record<ColumnKind, string>> = { int: 'Int', bigint: 'String', float: 'Float', boolean: 'Boolean', date: 'String', timestamp: 'String', text: 'String', other: 'String' };

/** Text safe inside a GraphQL description string: one line, no quotes that would end it. */
const describe = (text: string) => text.replace(/\s+/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"').trim();

/** An entity a foreign key can point at: its product, type, key fields and key columns (in key order). */
interface Served {
  product: string;
  type: string;
  keyFields: string[];
  keyColumns: string[];
}

/** Declared products of the mesh by the table their type reads: where a foreign key's target is served. */
function servedTables(subgraphs: string): Map<string, Served> {
  const served = new Map<string, Served>();
  if (!existsSync(subgraphs)) return served;
  for (const entry of readdirSync(subgraphs, { withFileTypes: true })) {
    const dir = join(subgraphs, entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, DECLARATION_FILE))) continue;
    try {
      const model = buildModel(loadDeclaration(dir)!, readFileSync(join(dir, 'schema.graphql'), 'utf8'));
      for (const type of model.types.values()) {
        if (type.relation && 'table' in type.relation) served.set(type.relation.table, { product: entry.name, type: type.name, keyFields: type.keyFields, keyColumns: type.keyColumns });
      }
    } catch {
      // A product whose declaration does not load is reported by meshgate check, not here.
    }
  }
  return served;
}

/** A filter the generated list declares: its input field, GraphQL type, declaration and the field it exposes. */
interface ListFilter {
  name: string;
  type: string;
  description: string;
  declared: string;
  exposes: string;
}

export async function newFromEngine(options: NewFromEngineOptions): Promise<{ dir: string; files: string[]; addedToMesh: boolean }> {
  const { name } = options;
  const paths = meshPaths(options.root);
  const problems: string[] = [];
  if (!PRODUCT_NAME.test(name)) problems.push(`product: must be a product name in kebab-case such as "crm" (got ${JSON.stringify(name)})`);
  if (options.tables.length === 0) problems.push('--table: name at least one table');
  for (const table of options.tables)
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/.test(table)) problems.push(`--table: ${shown(table)} is not a table name meshgate can declare (letters, digits and _, optionally schema.name)`);
  for (const key of options.keys ?? []) if (!/^([A-Za-z_]\w*(\.[A-Za-z_]\w*)?=)?[A-Za-z_]\w*(,[A-Za-z_]\w*)*$/.test(key)) problems.push(`--key: ${shown(key)} is not [table=]column[,column]`);
  const dir = join(paths.subgraphs, name);
  if (existsSync(dir)) problems.push(`product: ${relative(paths.root, dir)} already exists`);
  const engine = engineSource(options.from, name, options.tables, paths.root);
  if (typeof engine === 'string') problems.push(engine);
  if (problems.length || typeof engine === 'string') throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate new --from', problems);

  const tables = await readCatalog(engine, options.tables, options.keys ?? []);
  const schemas = new Set(tables.map((table) => table.schema));
  if (schemas.size > 1) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', ['all tables of one product come from one schema']);
  const schema = [...schemas][0]!;
  // Postgres reads the schema from declared.yaml's engine; elsewhere a table named with its schema keeps it.
  const relationOf = (table: CatalogTable) => (engine.kind === 'postgres' ? table.name : (options.tables.find((t) => t.endsWith(`.${table.name}`)) ?? table.name));
  const own = new Map<string, Served>(tables.map((table) => [table.name, { product: name, type: typeNameOf(table.name), keyFields: table.key.map(camel), keyColumns: table.key }]));
  const elsewhere = servedTables(paths.subgraphs);

  const fields: string[] = [];
  const types: string[] = [];
  const declared: string[] = [];
  const queries: string[] = [];
  const queryDeclarations: string[] = [];
  const stubs = new Map<string, Served>();
  const listTypes: string[] = [];
  const lists: { type: string; one: string; list: string; keyFields: string[] }[] = [];
  for (const table of tables) {
    const { type, keyFields } = own.get(table.name)!;
    const one = camel(type);
    const list = camel(table.name) === one ? `${one}List` : camel(table.name);
    const lines: string[] = [];
    const mapping: string[] = [];
    const filters: ListFilter[] = [];
    const taken = new Set<string>();
    const field = (fieldName: string, description: string, graphql: string, mapped?: string) => {
      if (taken.has(fieldName)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', [`${table.name}: two columns would both publish ${type}.${fieldName}`]);
      taken.add(fieldName);
      lines.push(`  "${describe(description)}"\n  ${fieldName}: ${graphql}`);
      if (mapped) mapping.push(`      ${fieldName}: ${mapped}`);
      fields.push(`  ${type}.${fieldName}: { classification: internal }`);
    };
    // A foreign key to an entity this product or another declared product serves is a reference to it, matched on that entity's key.
    const references = table.foreignKeys.flatMap((fk) => {
      const target = own.get(fk.table) ?? elsewhere.get(fk.table);
      if (!target || target.keyColumns.length !== fk.columns.length) return [];
      const columns = target.keyColumns.map((keyColumn) => fk.columns[fk.references.indexOf(keyColumn)]);
      return columns.every((column) => column !== undefined) ? [{ target, columns: columns as string[] }] : [];
    });
    // A one-column foreign key that is not part of the key stands in for its column: `customer_id` -> `customer: Customer`.
    const replaced = new Map(references.filter((r) => r.columns.length === 1 && !table.key.includes(r.columns[0]!)).map((r) => [r.columns[0]!, r]));
    for (const column of table.columns) {
      const at = table.key.indexOf(column.name);
      const reference = replaced.get(column.name);
      if (reference) {
        const fieldName = camel(column.name.replace(/_id$/i, '')) || camel(column.name);
        field(
          fieldName,
          column.comment ?? `The ${reference.target.type} of this ${type}.`,
          `${reference.target.type}${column.nullable ? '' : '!'}`,
          `{ reference: ${reference.target.type}, column: ${column.name} }`,
        );
        if (reference.target.product !== name) stubs.set(reference.target.type, reference.target);
        filters.push({
          name: camel(column.name),
          type: column.kind === 'int' ? 'Int' : 'ID',
          description: `Only rows of this ${reference.target.type}.`,
          declared: `{ column: ${column.name} }`,
          exposes: `${type}.${fieldName}`,
        });
        continue;
      }
      const fieldName = at >= 0 ? keyFields[at]! : camel(column.name);
      field(
        fieldName,
        column.comment ?? `Column ${column.name} of ${table.name}.`,
        `${at >= 0 ? 'ID' : GRAPHQL_TYPE[column.kind]}${column.nullable && at < 0 ? '' : '!'}`,
        fieldName !== column.name || at >= 0 ? column.name : undefined,
      );
      filters.push(...columnFilters(type, fieldName, column, at >= 0 || table.foreignKeys.some((fk) => fk.columns.includes(column.name))));
    }
    for (const reference of references.filter((r) => !replaced.has(r.columns[0]!) || r.columns.length > 1)) {
      // A composite foreign key (or one on a key column) keeps its columns and adds the entity it points at.
      const fieldName = taken.has(camel(reference.target.type)) ? `${camel(reference.target.type)}Ref` : camel(reference.target.type);
      const nullable = reference.columns.some((c) => table.columns.find((column) => column.name === c)?.nullable);
      field(
        fieldName,
        `The ${reference.target.type} of this ${type}, by ${reference.columns.join(', ')}.`,
        `${reference.target.type}${nullable ? '' : '!'}`,
        `{ reference: ${reference.target.type}, ${reference.columns.length === 1 ? `column: ${reference.columns[0]}` : `columns: [${reference.columns.join(', ')}]`} }`,
      );
      if (reference.target.product !== name) stubs.set(reference.target.type, reference.target);
    }
    const keyList = keyFields.join(' ');
    types.push(`"${describe(table.comment ?? `A row of ${table.name}.`)}"\ntype ${type} @key(fields: "${keyList}") {\n${lines.join('\n')}\n}`);
    const sortName = keyFields.length === 1 ? constantCase(keyFields[0]!) : 'KEY';
    const unique = [...new Map(filters.map((filter) => [filter.name, filter])).values()];
    listTypes.push(
      `"A page of ${table.name}."\ntype ${type}Connection {\n  "The rows on this page."\n  edges: [${type}Edge!]!\n  "Where this page ends."\n  pageInfo: PageInfo!\n  "How many rows there are, over all pages."\n  totalCount: Int!\n}\n\n` +
        `"One ${type} and its cursor."\ntype ${type}Edge {\n  "Pass as after: to get the rows after this one."\n  cursor: String!\n  "The row."\n  node: ${type}!\n}\n\n` +
        `"Which ${table.name} a list returns: every condition given must hold."\ninput ${type}Filter {\n${unique.map((f) => `  "${describe(f.description)}"\n  ${f.name}: ${f.type} @meshgate__exposes(field: "${f.exposes}")`).join('\n')}\n}\n\n` +
        `"The order of a list of ${table.name}."\nenum ${type}Sort {\n  "By ${keyList}, ascending (the default)."\n  ${sortName}_ASC\n  "By ${keyList}, descending."\n  ${sortName}_DESC\n}`,
    );
    for (const f of ['edges', 'pageInfo', 'totalCount']) fields.push(`  ${type}Connection.${f}: { classification: internal }`);
    for (const f of ['cursor', 'node']) fields.push(`  ${type}Edge.${f}: { classification: internal }`);
    fields.push(`  Query.${one}: { classification: internal }`, `  Query.${list}: { classification: internal }`);
    const keyDeclaration = table.key.length === 1 ? table.key[0]! : `[${table.key.join(', ')}]`;
    declared.push(`  ${type}:\n    from: { table: ${relationOf(table)} }\n    key: ${keyDeclaration}${mapping.length ? `\n    fields:\n${mapping.join('\n')}` : ''}`);
    queries.push(
      `  "One ${type} by ${keyFields.join(' and ')}, or null when there is none."\n  ${one}(${keyFields.map((k) => `${k}: ID! @meshgate__exposes(field: "${type}.${k}")`).join(', ')}): ${type}`,
      `  "${pascal(table.name)}, filtered, in the order asked (by ${keyList} unless told), at most 100 a page."\n  ${list}(first: Int = 20, after: String, filter: ${type}Filter, orderBy: ${type}Sort): ${type}Connection!`,
    );
    queryDeclarations.push(
      `  ${one}: { entity: ${type} }`,
      `  ${list}:\n    list: ${type}\n    filters:\n${unique.map((f) => `      filter.${f.name}: ${f.declared}`).join('\n')}\n    sort:\n      argument: orderBy\n      orders:\n        ${sortName}_ASC: [${keyFields.join(', ')}]\n        ${sortName}_DESC: [${keyFields.map((k) => `-${k}`).join(', ')}]`,
    );
    lists.push({ type, one, list, keyFields });
  }
  for (const stub of stubs.values()) {
    types.push(
      `"A ${stub.type} of the ${stub.product} product, referenced by its key."\ntype ${stub.type} @key(fields: "${stub.keyFields.join(' ')}", resolvable: false) {\n${stub.keyFields.map((k) => `  "The ${stub.type}'s ${k} in ${stub.product}."\n  ${k}: ID!`).join('\n')}\n}`,
    );
    for (const k of stub.keyFields) fields.push(`  ${stub.type}.${k}: { classification: internal }`);
  }
  fields.push('  PageInfo.hasNextPage: { classification: internal }', '  PageInfo.endCursor: { classification: internal }');
  const inputPorts = [...stubs.values()].map((stub) => `  - product: ${stub.product}\n    version: ^1.0.0\n    fields: [${stub.keyFields.map((k) => `${stub.type}.${k}`).join(', ')}]`);
  const contact = options.contact ?? `${options.owner}@example.com`;
  const variable = `${camel(name)}Product`;
  const files: Record<string, string> = {
    'product.yaml': `id: urn:meshgate:product:${name}
name: ${name}
domain: ${options.domain}
owner:
  team: ${options.owner}
  contact: ${contact}
version: 1.0.0
status: active
description:
  purpose: ${tables.map((t) => t.name).join(', ')} of the ${options.domain} domain, declared over ${engine.kind} (${schema}). Say what the product is for.
  limitations: Generated from the engine's catalog; every field is internal until its owner classifies it.
  usage: ${lists.map((l) => `Join on ${l.type}.${l.keyFields.join(' + ')}.`).join(' ')}
sla:
  freshness: 24h
  availability: 99.5%
fields:
${fields.join('\n')}
${inputPorts.length ? `inputPorts:\n${inputPorts.join('\n')}\n` : ''}`,
    'schema.graphql': `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable"])
  @link(url: "https://meshgate.dev/meshgate/v0.1")

"What filtering by this argument or input field reveals: the rights to read the named Type.field apply to it too."
directive @meshgate__exposes(field: String!) repeatable on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION

${types.join('\n\n')}

${listTypes.join('\n\n')}

"Relay-style page information."
type PageInfo @shareable {
  "Whether another page follows."
  hasNextPage: Boolean!
  "The cursor of the last edge on this page."
  endCursor: String
}

type Query {
${queries.join('\n')}
}
`,
    [DECLARATION_FILE]: `# Generated by meshgate new --from: how the published types read ${engine.kind} (${schema}).
# ${engine.urlEnv ? `The URL comes from ${engine.urlEnv}. ` : ''}Filters and sort orders are declared per list under queries.
engine: ${engine.declaration(dir, schema)}
types:
${declared.join('\n')}
queries:
${queryDeclarations.join('\n')}
`,
    'index.ts': `import { sourceDir } from '../../schema/base/source-tree.ts';
import { declaredProduct } from '../kit/index.ts';

/** Declared over ${engine.kind} by meshgate new --from: declared.yaml is the whole product. */
export const ${variable} = declaredProduct({ dir: sourceDir(import.meta.dirname) });
`,
    [`${name}.test.ts`]: generatedTest(name, engine.urlEnv, lists),
  };
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  // Like `meshgate new`: into the list `npm start` and `meshgate compose` read, where the mesh keeps one.
  const addedToMesh = existsSync(join(paths.subgraphs, 'demo-mesh.ts'));
  if (addedToMesh) addToMesh(paths.root, name, variable);
  const mesh = loadMesh(paths.root);
  const live = mesh.products.filter(isValidProduct).filter((p) => p.descriptor.status !== 'retired');
  writeFileSync(mesh.paths.lineage, serializeLineage(computeLineage(live)));
  const published = await publishProduct(name, { root: paths.root, today: options.today });
  if (!published.ok)
    throw new ConfigError(
      MeshErrorCode.CONFIG_INVALID,
      `new product ${name}`,
      published.findings.map((f) => `${f.element}: ${f.message} (${f.rule})`),
    );
  return { dir, files: [...Object.keys(files).map((file) => join(dir, file)), mesh.paths.lineage, published.dir], addedToMesh };
}

const constantCase = (field: string) => field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * The filters a column gets, by what it holds: equality on key and foreign-key columns, a
 * range on dates, times and numbers, a prefix on text. Nothing on other columns: a filter
 * is a published promise, and its owner adds more in declared.yaml.
 */
function columnFilters(type: string, field: string, column: CatalogColumn, keyed: boolean): ListFilter[] {
  const exposes = `${type}.${field}`;
  const on = `{ field: ${field}`;
  if (keyed) return [{ name: field, type: column.kind === 'int' ? 'Int' : 'ID', description: `Only rows whose ${field} is this.`, declared: `${on} }`, exposes }];
  switch (column.kind) {
    case 'date':
    case 'timestamp': {
      const format = column.kind === 'date' ? ', format: date' : '';
      return [
        { name: `${field}From`, type: 'String', description: `Only rows with ${field} on or after this (YYYY-MM-DD).`, declared: `${on}, op: gte${format} }`, exposes },
        { name: `${field}Before`, type: 'String', description: `Only rows with ${field} before this (YYYY-MM-DD).`, declared: `${on}, op: lt${format} }`, exposes },
      ];
    }
    case 'int':
    case 'float': {
      const scalar = GRAPHQL_TYPE[column.kind];
      return [
        { name: `${field}Min`, type: scalar, description: `Only rows with ${field} at least this.`, declared: `${on}, op: gte }`, exposes },
        { name: `${field}Max`, type: scalar, description: `Only rows with ${field} at most this.`, declared: `${on}, op: lte }`, exposes },
      ];
    }
    case 'text':
      return [{ name: `${field}Prefix`, type: 'String', description: `Only rows whose ${field} starts with this.`, declared: `${on}, op: prefix }`, exposes }];
    default:
      return [];
  }
}

/** The product's own test: each list in one statement, and its first row again by key. Over a URL engine, it runs when the URL is set. */
function generatedTest(name: string, urlEnv: string | undefined, lists: readonly { type: string; one: string; list: string; keyFields: string[] }[]): string {
  const cases = lists.map(
    ({ one, list, keyFields }) => `  it('pages ${list} in one statement, and finds its first row again by key', async () => {
    product.store.log.clear();
    const page = await ask('{ ${list}(first: 2) { totalCount edges { node { ${keyFields.join(' ')} } } } }');
    expect(page.errors).toBeUndefined();
    expect(product.store.log.statements).toHaveLength(1);
    const first = page.data!.${list}.edges[0]?.node;
    if (!first) return expect(page.data!.${list}.totalCount).toBe(0);
    const found = await ask(\`{ ${one}(${keyFields.map((k) => `${k}: \${JSON.stringify(first.${k})}`).join(', ')}) { ${keyFields.join(' ')} } }\`);
    expect(found.data!.${one}).toEqual(first);
  });`,
  );
  return `import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { createDataProduct, type DataProduct, type RunningProduct } from '../kit/index.ts';
import { ${camel(name)}Product } from './index.ts';

/** ${name} against its engine${urlEnv ? ` (${urlEnv})` : ''}: it starts only when every declared table and column is there. */
${urlEnv ? `const url = process.env.${urlEnv};` : ''}
const key = { id: 'test', secret: Buffer.from('${name} test key') };
let product: DataProduct;
let running: RunningProduct;

// biome-ignore lint/suspicious/noExplicitAny: each list's page has a shape of its own
async function ask(query: string): Promise<{ data?: Record<string, any>; errors?: unknown }> {
  const body = JSON.stringify({ query });
  const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(key, '${name}', body) }, body });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
}

describe${urlEnv ? '.runIf(url)' : ''}('${name}', () => {
  beforeAll(async () => {
    product = await createDataProduct(${camel(name)}Product, { signingKeys: [key] });
    running = await product.listen({ port: 0 });
  });
  afterAll(async () => {
    await running?.close();
    await product?.close();
  });

${cases.join('\n\n')}
});
`;
}
