import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { computeLineage, serializeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, meshPaths } from '../../schema/contracts/mesh.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** Options of {@link scaffoldProduct}: what `meshgate new` asks for. */
export interface ScaffoldOptions {
  /** The product's name, kebab-case. @example "shipments" */
  name: string;
  /** The business domain that owns it. @example "logistics" */
  domain: string;
  /** The owning team. @example "logistics-data" */
  owner: string;
  /** Who answers for it: an e-mail address or https URL. @default "<owner>@example.com" */
  contact?: string;
  /** The mesh repository to add it to. @default this repository */
  root?: string;
  /** Sunsets and compatibility are checked against this day. @default today (UTC) */
  today?: string;
}

export interface ScaffoldResult {
  dir: string;
  files: string[];
  /** The entity type and query fields the product serves. */
  typeName: string;
  queryFields: { one: string; list: string };
}

/** A name as a GraphQL type name: `customer-insights`, `order_lines` -> `CustomerInsights`, `OrderLines`. */
export function pascal(name: string): string {
  return name
    .split(/[_\W]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** A name as a GraphQL field name: `customer-insights` -> `customerInsights`. */
export function camel(name: string): string {
  const p = pascal(name);
  return p[0]!.toLowerCase() + p.slice(1);
}

/** What a new product's contract names: its entity, its two query fields, its ids' prefix. */
export interface ContractNames {
  type: string;
  one: string;
  list: string;
  prefix: string;
}

/**
 * A new product's contract: `product.yaml` and `schema.graphql`. One entity with a key, a
 * lookup and a list, every published element described and classified: what governance lint
 * asks of any product, so the new one passes `meshgate check` from its first commit and the
 * team edits from there. `meshgate new` (inside a mesh) and `meshgate init` (a repository of
 * its own) write the same contract.
 */
export function contractTemplates(options: { name: string; domain: string; owner: string; contact: string }): { names: ContractNames; files: Record<'product.yaml' | 'schema.graphql', string> } {
  const { name, domain, owner, contact } = options;
  const type = `${pascal(name)}Record`;
  const one = `${camel(name)}Record`;
  const list = `${camel(name)}Records`;
  const prefix = name.replace(/-/g, '').toUpperCase().slice(0, 8);
  return {
    names: { type, one, list, prefix },
    files: {
      'product.yaml': `id: urn:meshgate:product:${name}
name: ${name}
title: ${pascal(name).replace(/([a-z])([A-Z])/g, '$1 $2')}
domain: ${domain}
owner:
  team: ${owner}
  contact: ${contact}
version: 1.0.0
status: active
description:
  purpose: Records of the ${domain} domain. Describe what the product is for.
  limitations: Seeded demo data; replace the seed with the domain's real source.
  usage: Look records up by ${type}.id.
sla:
  freshness: 24h
  availability: 99.5%
fields:
  ${type}.id: { classification: public }
  ${type}.name: { classification: public }
  ${type}.value: { classification: internal }
  ${type}.updatedOn: { classification: public }
  Query.${one}: { classification: public }
  Query.${list}: { classification: public }
`,
      'schema.graphql': `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@tag"])

"A record of the ${name} data product, identified by its id."
type ${type} @key(fields: "id") {
  "Stable identifier, for example ${prefix}-0001."
  id: ID!
  "Display name."
  name: String!
  "A measured value of the record."
  value: Float!
  "Day the record was last updated, YYYY-MM-DD."
  updatedOn: String!
}

type Query {
  "One record by id, or null when there is none."
  ${one}("The record's id." id: ID!): ${type}
  "Records ordered by id, at most 100."
  ${list}("How many records to return, at most 100." first: Int = 20): [${type}!]!
}
`,
    },
  };
}

/** The rest of a product folder inside the mesh repository: resolvers, seed and tests on the kit's sources. */
function templates(options: Required<Pick<ScaffoldOptions, 'name' | 'domain' | 'owner' | 'contact'>>) {
  const { name } = options;
  const contract = contractTemplates(options);
  const { type, one, list, prefix } = contract.names;
  const variable = `${camel(name)}Product`;
  const files: Record<string, string> = {
    ...contract.files,
    'resolvers.ts': `import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { rowByKeyLoader, type DataStore, type ProductContext } from '../kit/index.ts';

interface RecordRow extends Record<string, unknown> {
  id: string;
  name: string;
  value: number;
  updated_on: string;
}

const COLUMNS = 'id, name, value, updated_on';

/** Per-request loaders: the kit builds them for every request, never shared. */
export function createLoaders(store: DataStore) {
  return {
    recordById: rowByKeyLoader<RecordRow>(store, \`SELECT \${COLUMNS} FROM records WHERE id = ANY($1)\`, 'id'),
  };
}

type Context = ProductContext<ReturnType<typeof createLoaders>>;

export const resolvers: GraphQLResolverMap<Context> = {
  Query: {
    ${one}: (_: unknown, args: { id: string }, ctx: Context) => ctx.loaders.recordById.load(args.id),
    ${list}: async (_: unknown, args: { first: number }, ctx: Context) => {
      if (args.first < 0 || args.first > 100) throw new MeshError(MeshErrorCode.PAGE_SIZE_EXCEEDED, 'first must be between 0 and 100');
      return ctx.store.query<RecordRow>(\`SELECT \${COLUMNS} FROM records ORDER BY id LIMIT $1\`, [args.first]);
    },
  },
  ${type}: {
    __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.recordById.load(ref.id),
    updatedOn: (row: RecordRow) => row.updated_on,
  },
};
`,
    'index.ts': `import { sourceDir } from '../../schema/base/source-tree.ts';
import type { DataProductDefinition } from '../kit/index.ts';
import { createLoaders, resolvers } from './resolvers.ts';
import { seed, SEED_VERSION } from './store/seed.ts';

export const ${variable}: DataProductDefinition<ReturnType<typeof createLoaders>> = {
  dir: sourceDir(import.meta.dirname),
  resolvers,
  createLoaders,
  seed: { version: SEED_VERSION, run: seed },
};
`,
    'store/seed.ts': `import { SeededRandom } from '../../demo/seeded-random.ts';
import type { SeedableStore } from '../../kit/index.ts';

/** Bump when the seed changes, so existing stores are reseeded. */
export const SEED_VERSION = '${name}-1';

export const RECORD_COUNT = 50;

/** Deterministic demo data: the same rows on every machine. Replace with the domain's source. */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query('CREATE TABLE records (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, value DOUBLE PRECISION NOT NULL, updated_on VARCHAR NOT NULL)');
  const random = new SeededRandom('${name}');
  const rows: (string | number)[][] = [];
  for (let i = 1; i <= RECORD_COUNT; i++) {
    rows.push([\`${prefix}-\${String(i).padStart(4, '0')}\`, \`${pascal(name)} \${i}\`, random.money(1, 1000), \`2026-06-\${String(1 + (i % 28)).padStart(2, '0')}\`]);
  }
  await store.append('records', rows);
}
`,
    [`${name}.test.ts`]: `import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { createDataProduct, type DataProduct, type RunningProduct } from '../kit/index.ts';
import { ${variable} } from './index.ts';
import { RECORD_COUNT } from './store/seed.ts';

/**
 * The ${name} product on its own, over HTTP, on a store seeded into a temporary folder.
 * It serves only requests signed with its key, as the gateway signs them: the test gives
 * it a key of its own and signs each request with that key.
 */
const dir = mkdtempSync(join(tmpdir(), '${name}-'));
const key = signingKey(randomBytes(32));
let product: DataProduct;
let running: RunningProduct;
beforeAll(async () => {
  product = await createDataProduct(${variable}, { storePath: join(dir, '${name}.duckdb'), signingKeys: [key] });
  running = await product.listen({ port: 0 });
});
afterAll(async () => {
  await product?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs a query to the product, signed as the gateway signs it unless told not to. */
async function ask(query: string, signed = true): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ query });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signed) headers[SIGNATURE_HEADER] = signatureHeader(key, product.name, body);
  const response = await fetch(running.url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.json() };
}

describe('${name}', () => {
  it('serves its seeded records', async () => {
    const result = await ask('{ ${list}(first: 100) { id name value updatedOn } }');
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.${list}).toHaveLength(RECORD_COUNT);
    expect(result.body.data.${list}[0].id).toBe('${prefix}-0001');
  });

  it('looks a record up by id, and answers null for an unknown one', async () => {
    const result = await ask('{ a: ${one}(id: "${prefix}-0002") { id name } b: ${one}(id: "nope") { id } }');
    expect(result.body.data).toEqual({ a: { id: '${prefix}-0002', name: '${pascal(name)} 2' }, b: null });
  });

  it('refuses a request the gateway did not sign', async () => {
    const result = await ask('{ ${list}(first: 1) { id } }', false);
    expect(result.status).toBe(401);
    expect(result.body.errors[0].extensions.code).toBe('SIGNATURE_MISSING');
  });
});
`,
  };
  return { files, type, one, list, variable };
}

/**
 * Adds the product to the mesh `npm start` serves: an import and an entry in
 * the demo mesh's list, on the next free port. The file stays an explicit list a
 * reviewer can read, rather than a folder scan that would serve any folder left behind.
 */
export function addToMesh(root: string, name: string, variable: string): void {
  const file = join(root, 'subgraphs', 'demo-mesh.ts');
  let text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/^import \{ \w+ \} from '\.\/[\w-]+\/index\.ts';\n/gm)];
  const lastImport = imports.at(-1);
  const listEnd = text.lastIndexOf('\n];');
  if (!lastImport || listEnd < 0) throw new Error(`${file} no longer has the shape meshgate new edits; add ${name} to DEMO_MESH by hand`);
  const ports = [...text.matchAll(/port: (\d+) \}/g)].map((m) => Number(m[1]));
  const port = Math.max(4000, ...ports) + 1;
  text = `${text.slice(0, listEnd)}\n  { name: '${name}', definition: ${variable}, port: ${port} },${text.slice(listEnd)}`;
  const at = lastImport.index + lastImport[0].length;
  text = `${text.slice(0, at)}import { ${variable} } from './${name}/index.ts';\n${text.slice(at)}`;
  writeFileSync(file, text);
}

/**
 * `meshgate new`: writes a working product (descriptor, schema, resolvers, seeded store,
 * its own tests), adds it to the mesh, refreshes `schema/lineage.json` and publishes its
 * 1.0.0 baseline, so `meshgate check` passes at once. `npm run compose` then puts it in
 * the supergraph and `npm start` serves it.
 */
export async function scaffoldProduct(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const { name } = options;
  const paths = meshPaths(options.root);
  const problems: string[] = [];
  if (!PRODUCT_NAME.test(name)) problems.push(`product: must be a product name in kebab-case such as "shipments" (got ${JSON.stringify(name)})`);
  if (!options.domain.trim()) problems.push('--domain: must not be empty');
  if (!options.owner.trim()) problems.push('--owner: must not be empty');
  const dir = join(paths.subgraphs, name);
  if (PRODUCT_NAME.test(name) && existsSync(dir)) problems.push(`product: ${relative(paths.root, dir)} already exists`);
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate new', problems);

  const contact = options.contact ?? `${options.owner}@example.com`;
  const { files, type, one, list, variable } = templates({ name, domain: options.domain, owner: options.owner, contact });
  mkdirSync(join(dir, 'store'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  addToMesh(paths.root, name, variable);

  const mesh = loadMesh(paths.root);
  const live = mesh.products.filter(isValidProduct).filter((p) => p.descriptor.status !== 'retired');
  writeFileSync(mesh.paths.lineage, serializeLineage(computeLineage(live)));
  const published = await publishProduct(name, { root: paths.root, today: options.today });
  if (!published.ok) {
    throw new ConfigError(
      MeshErrorCode.CONFIG_INVALID,
      `new product ${name}`,
      published.findings.map((f) => `${f.element}: ${f.message} (${f.rule})`),
    );
  }
  return {
    dir,
    files: [...Object.keys(files).map((f) => join(dir, f)), join(paths.root, 'subgraphs/demo-mesh.ts'), mesh.paths.lineage, published.dir],
    typeName: type,
    queryFields: { one, list },
  };
}
