import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { DECLARATION_FILE, loadDeclaration } from '../../schema/product/declaration.ts';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { computeLineage, serializeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, meshPaths } from '../../schema/contracts/mesh.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';

/**
 * `meshgate new <product> --from <engine url> --table <name>...`: a declared product from
 * tables a team already has. It reads the engine's catalog (PostgreSQL and the engines that
 * speak its protocol) and writes product.yaml, schema.graphql, declared.yaml and a test:
 * a type per table, a field per column, the key from the primary key, descriptions from the
 * comments, a foreign key to a table another declared product of the mesh serves as a
 * reference to that product's entity, and every field classified `internal` until someone
 * decides. Then it refreshes the lineage and publishes the 1.0.0 baseline, so
 * `meshgate check` passes as written. The URL is not written anywhere: the product reads it
 * from `<PRODUCT>_STORE_URL`.
 */
export interface NewFromEngineOptions {
  name: string;
  from: string;
  tables: readonly string[];
  domain: string;
  owner: string;
  contact?: string;
  root?: string;
  today?: string;
}

interface CatalogColumn {
  name: string;
  dataType: string;
  nullable: boolean;
  comment: string | null;
  references?: { table: string; column: string };
}

interface CatalogTable {
  schema: string;
  name: string;
  comment: string | null;
  key: string;
  columns: CatalogColumn[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Reads the tables from the Postgres catalog: columns in order, the one-column primary key, foreign keys, comments. */
async function readPostgresCatalog(url: string, tables: readonly string[]): Promise<CatalogTable[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const read: CatalogTable[] = [];
    for (const qualified of tables) {
      const [schema, name] = qualified.includes('.') ? (qualified.split('.', 2) as [string, string]) : ['public', qualified];
      const columns = await client.query<{ name: string; data_type: string; nullable: boolean; comment: string | null; table_comment: string | null }>(
        `SELECT a.attname::text AS name, format_type(a.atttypid, NULL) AS data_type, NOT a.attnotnull AS nullable,
                col_description(c.oid, a.attnum) AS comment, obj_description(c.oid, 'pg_class') AS table_comment
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [schema, name],
      );
      if (columns.rows.length === 0) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', [`${qualified}: no such table in the engine`]);
      const constraints = await client.query<{ kind: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null }>(
        `SELECT con.contype AS kind,
                ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = ANY(con.conkey)) AS columns,
                ref.relname::text AS ref_table,
                ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = con.confrelid AND attnum = ANY(con.confkey)) AS ref_columns
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class ref ON ref.oid = con.confrelid
         WHERE n.nspname = $1 AND c.relname = $2 AND con.contype IN ('p', 'f')`,
        [schema, name],
      );
      const primary = constraints.rows.find((row) => row.kind === 'p');
      if (primary?.columns.length !== 1) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', [`${qualified}: needs a primary key of one column to be an entity`]);
      const foreign = new Map(constraints.rows.filter((row) => row.kind === 'f' && row.columns.length === 1).map((row) => [row.columns[0]!, { table: row.ref_table!, column: row.ref_columns![0]! }]));
      for (const column of columns.rows)
        if (!IDENTIFIER.test(column.name)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', [`${qualified}.${column.name}: a column name meshgate cannot declare`]);
      read.push({
        schema,
        name,
        comment: columns.rows[0]!.table_comment,
        key: primary.columns[0]!,
        columns: columns.rows.map((column) => ({ name: column.name, dataType: column.data_type, nullable: column.nullable, comment: column.comment, references: foreign.get(column.name) })),
      });
    }
    return read;
  } finally {
    await client.end();
  }
}

const pascal = (text: string) =>
  text
    .split(/[_\W]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
const camel = (text: string) => {
  const p = pascal(text);
  return p[0]!.toLowerCase() + p.slice(1);
};
/** `customers` -> `Customer`, `order_lines` -> `OrderLine`, `categories` -> `Category`. */
function typeNameOf(table: string): string {
  const singular = table
    .replace(/ies$/, 'y')
    .replace(/(ss|x|ch|sh)es$/, '$1')
    .replace(/([^s])s$/, '$1');
  return pascal(singular);
}

function graphqlType(column: CatalogColumn, key: boolean): string {
  if (key) return 'ID';
  const type = column.dataType;
  if (/^(smallint|integer)$/.test(type)) return 'Int';
  if (/^(real|double precision|numeric|money)/.test(type)) return 'Float';
  if (type === 'boolean') return 'Boolean';
  // bigint does not fit GraphQL's 32-bit Int; dates, times, uuids and text travel as strings.
  return 'String';
}

/** Text safe inside a GraphQL description string: one line, no quotes that would end it. */
const describe = (text: string) => text.replace(/\s+/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"').trim();

/** Declared products of the mesh by the table their type reads: where a foreign key's target is served. */
function servedTables(subgraphs: string): Map<string, { product: string; type: string; keyField: string }> {
  const served = new Map<string, { product: string; type: string; keyField: string }>();
  if (!existsSync(subgraphs)) return served;
  for (const entry of readdirSync(subgraphs, { withFileTypes: true })) {
    if (!entry.isDirectory() || !existsSync(join(subgraphs, entry.name, DECLARATION_FILE))) continue;
    try {
      const declaration = loadDeclaration(join(subgraphs, entry.name));
      for (const [type, declared] of Object.entries(declaration?.types ?? {})) {
        if (declared.from && 'table' in declared.from) served.set(declared.from.table, { product: entry.name, type, keyField: 'id' });
      }
    } catch {
      // A product whose declaration does not load is reported by meshgate check, not here.
    }
  }
  return served;
}

export async function newFromEngine(options: NewFromEngineOptions): Promise<{ dir: string; files: string[] }> {
  const { name } = options;
  const paths = meshPaths(options.root);
  const problems: string[] = [];
  if (!PRODUCT_NAME.test(name)) problems.push(`product: must be a product name in kebab-case such as "crm" (got ${JSON.stringify(name)})`);
  if (!/^postgres(ql)?:\/\//.test(options.from)) problems.push('--from: must be a postgres:// URL (PostgreSQL and engines that speak its protocol)');
  if (options.tables.length === 0) problems.push('--table: name at least one table');
  for (const table of options.tables) if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/.test(table)) problems.push(`--table: ${JSON.stringify(table)} is not a table name`);
  const dir = join(paths.subgraphs, name);
  if (existsSync(dir)) problems.push(`product: ${relative(paths.root, dir)} already exists`);
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate new --from', problems);

  const tables = await readPostgresCatalog(options.from, options.tables);
  const schemas = new Set(tables.map((table) => table.schema));
  if (schemas.size > 1) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--table', ['all tables of one product come from one schema']);
  const ownTables = new Map(tables.map((table) => [table.name, typeNameOf(table.name)]));
  const elsewhere = servedTables(paths.subgraphs);
  const urlEnv = `${name.replace(/-/g, '_').toUpperCase()}_STORE_URL`;

  const fields: string[] = [];
  const types: string[] = [];
  const declared: string[] = [];
  const queries: string[] = [];
  const queryDeclarations: string[] = [];
  const stubs = new Map<string, { product: string; type: string }>();
  const pageTypes: string[] = [];
  for (const table of tables) {
    const type = ownTables.get(table.name)!;
    const one = camel(type);
    const list = camel(table.name) === one ? `${one}List` : camel(table.name);
    const lines: string[] = [];
    const mapping: string[] = [];
    for (const column of table.columns) {
      const isKey = column.name === table.key;
      const target = column.references && (ownTables.has(column.references.table) ? { type: ownTables.get(column.references.table)!, product: name } : elsewhere.get(column.references.table));
      if (target && !isKey) {
        // A foreign key becomes the entity it points at: `customer_id` -> `customer: Customer`.
        const field = camel(column.name.replace(/_id$/, '')) || camel(column.name);
        lines.push(`  "${describe(column.comment ?? `The ${target.type} of this ${type}.`)}"\n  ${field}: ${target.type}${column.nullable ? '' : '!'}`);
        mapping.push(`      ${field}: { reference: ${target.type}, column: ${column.name} }`);
        fields.push(`  ${type}.${field}: { classification: internal }`);
        if (target.product !== name) stubs.set(target.type, target);
        continue;
      }
      const field = camel(column.name);
      lines.push(`  "${describe(column.comment ?? `Column ${column.name} of ${table.name}.`)}"\n  ${field}: ${graphqlType(column, isKey)}${column.nullable && !isKey ? '' : '!'}`);
      if (field !== column.name || isKey) mapping.push(`      ${field}: ${column.name}`);
      fields.push(`  ${type}.${field}: { classification: internal }`);
    }
    types.push(`"${describe(table.comment ?? `A row of ${table.name}.`)}"\ntype ${type} @key(fields: "${camel(table.key)}") {\n${lines.join('\n')}\n}`);
    pageTypes.push(
      `"A page of ${table.name}."\ntype ${type}Connection {\n  "The rows on this page."\n  edges: [${type}Edge!]!\n  "Where this page ends."\n  pageInfo: PageInfo!\n  "How many rows there are, over all pages."\n  totalCount: Int!\n}\n\n` +
        `"A ${type} and its cursor."\ntype ${type}Edge {\n  "Pass as after: to get the rows after this one."\n  cursor: String!\n  "The row."\n  node: ${type}!\n}`,
    );
    for (const f of ['edges', 'pageInfo', 'totalCount']) fields.push(`  ${type}Connection.${f}: { classification: internal }`);
    for (const f of ['cursor', 'node']) fields.push(`  ${type}Edge.${f}: { classification: internal }`);
    fields.push(`  Query.${one}: { classification: internal }`, `  Query.${list}: { classification: internal }`);
    declared.push(`  ${type}:\n    from: { table: ${table.name} }\n    key: ${table.key}${mapping.length ? `\n    fields:\n${mapping.join('\n')}` : ''}`);
    queries.push(
      `  "One ${type} by ${camel(table.key)}, or null when there is none."\n  ${one}(${camel(table.key)}: ID! @meshgate__exposes(field: "${type}.${camel(table.key)}")): ${type}`,
      `  "${pascal(table.name)} ordered by ${camel(table.key)}, at most 100 a page."\n  ${list}(first: Int = 20, after: String): ${type}Connection!`,
    );
    queryDeclarations.push(`  ${one}: { entity: ${type} }`, `  ${list}: { list: ${type} }`);
  }
  for (const stub of stubs.values()) {
    types.push(
      `"A ${stub.type} of the ${stub.product} product, referenced by its key."\ntype ${stub.type} @key(fields: "id", resolvable: false) {\n  "The ${stub.type}'s id in ${stub.product}."\n  id: ID!\n}`,
    );
    fields.push(`  ${stub.type}.id: { classification: internal }`);
  }
  fields.push('  PageInfo.hasNextPage: { classification: internal }', '  PageInfo.endCursor: { classification: internal }');
  const inputPorts = [...stubs.values()].map((stub) => `  - product: ${stub.product}\n    version: ^1.0.0\n    fields: [${stub.type}.id]`);
  const contact = options.contact ?? `${options.owner}@example.com`;
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
  purpose: ${tables.map((t) => t.name).join(', ')} of the ${options.domain} domain, declared over ${[...schemas][0]}. Say what the product is for.
  limitations: Generated from the engine's catalog; every field is internal until its owner classifies it.
  usage: ${tables.map((t) => `Join on ${ownTables.get(t.name)}.${camel(t.key)}.`).join(' ')}
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

${pageTypes.join('\n\n')}

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
    [DECLARATION_FILE]: `# Generated by meshgate new --from: how the published types read ${[...schemas][0]}.
# The URL comes from ${urlEnv}; add filters and sort orders under queries.
engine: { kind: postgres, urlEnv: ${urlEnv}, schema: ${[...schemas][0]} }
types:
${declared.join('\n')}
queries:
${queryDeclarations.join('\n')}
`,
    [`${name}.test.ts`]: `import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { createDataProduct, declaredProduct, type DataProduct, type RunningProduct } from '../kit/index.ts';

/** ${name} against its engine (${urlEnv}): it starts only when every declared table and column is there. */
const url = process.env.${urlEnv};
const key = { id: 'test', secret: Buffer.from('${name} test key') };
let product: DataProduct;
let running: RunningProduct;

describe.runIf(url)('${name}', () => {
  beforeAll(async () => {
    product = await createDataProduct(declaredProduct({ dir: join(import.meta.dirname) }), { signingKeys: [key] });
    running = await product.listen({ port: 0 });
  });
  afterAll(async () => {
    await running?.close();
    await product?.close();
  });

${queryDeclarations
  .filter((_, i) => i % 2 === 1)
  .map((line) => {
    const list = line.trim().split(':')[0];
    return `  it('pages ${list} in one statement', async () => {
    product.store.log.clear();
    const body = JSON.stringify({ query: '{ ${list}(first: 2) { totalCount edges { cursor } } }' });
    const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(key, '${name}', body) }, body });
    const result = (await response.json()) as { data?: { ${list}: { totalCount: number } }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.data!.${list}.totalCount).toBeGreaterThanOrEqual(0);
    expect(product.store.log.statements).toHaveLength(1);
  });`;
  })
  .join('\n\n')}
});
`,
  };
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
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
  return { dir, files: [...Object.keys(files).map((file) => join(dir, file)), mesh.paths.lineage, published.dir] };
}
