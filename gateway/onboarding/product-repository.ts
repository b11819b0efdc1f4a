import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { REPO_ROOT } from '../../schema/base/source-tree.ts';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { camel, contractTemplates, pascal } from './product-scaffold.ts';

/** Options of {@link initProductRepository}: what `meshgate init` asks for. */
export interface InitOptions {
  /** The product's name, kebab-case. @example "shipments" */
  name: string;
  /** The business domain that owns it. @example "logistics" */
  domain: string;
  /** The owning team. @example "logistics-data" */
  owner: string;
  /** Who answers for it: an e-mail address or https URL. @default "<owner>@example.com" */
  contact?: string;
  /** The repository's folder; it may already hold what `npm install meshgate` wrote. @default the current folder */
  dir?: string;
}

export interface InitResult {
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  typeName: string;
  queryFields: { one: string; list: string };
}

/** The port `npm start` serves the product on when PORT is not set: clear of the demo's 4000-4005 and a registry's 4100. */
export const TEMPLATE_PRODUCT_PORT = 4010;

function meshgateVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The Node versions the template's package accepts: meshgate's own. */
function meshgateEngines(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
}

/**
 * A product repository's files besides its contract. Plain JavaScript modules: Node 20 runs
 * them as they are, with no build step and no TypeScript loader to install. Only meshgate's
 * public entries are imported (`meshgate/kit`, `meshgate/protocol`), so the repository needs
 * nothing of the mesh's.
 */
function repositoryFiles(name: string, domain: string, names: ReturnType<typeof contractTemplates>['names']): Record<string, string> {
  const { type, one, list, prefix } = names;
  const variable = `${camel(name)}Product`;
  return {
    'server.js': `import { pathToFileURL } from 'node:url';
import { createDataProduct, rowByKeyLoader } from 'meshgate/kit';
import { MeshError, MeshErrorCode } from 'meshgate/protocol';
import { seed, SEED_VERSION } from './seed.js';

const COLUMNS = 'id, name, value, updated_on';

/**
 * The ${name} data product: its resolvers over its own store. The kit adds the rest: the
 * gateway's signature check, per-request loaders, error masking, /health and /watermark.
 */
export const ${variable} = {
  dir: import.meta.dirname,
  // Built for every request, never shared: a loader's cache must not outlive the caller.
  createLoaders: (store) => ({
    recordById: rowByKeyLoader(store, \`SELECT \${COLUMNS} FROM records WHERE id = ANY($1)\`, 'id'),
  }),
  resolvers: {
    Query: {
      ${one}: (_, { id }, { loaders }) => loaders.recordById.load(id),
      ${list}: (_, { first }, { store }) => {
        if (first < 0 || first > 100) throw new MeshError(MeshErrorCode.PAGE_SIZE_EXCEEDED, 'first must be between 0 and 100');
        return store.query(\`SELECT \${COLUMNS} FROM records ORDER BY id LIMIT $1\`, [first]);
      },
    },
    ${type}: {
      __resolveReference: ({ id }, { loaders }) => loaders.recordById.load(id),
      updatedOn: (row) => row.updated_on,
    },
  },
  seed: { version: SEED_VERSION, run: seed },
};

// \`node server.js\` (npm start): serve on PORT. Imported (by the test), it only exports the product.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const product = await createDataProduct(${variable});
  const running = await product.listen({ port: Number(process.env.PORT ?? ${TEMPLATE_PRODUCT_PORT}), host: process.env.HOST ?? '127.0.0.1' });
  console.log(\`${name} serving at \${running.url}\`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => product.close().then(() => process.exit(0)));
}
`,
    'seed.js': `/** Bump when the seed changes: stores seeded by an older one are seeded again. */
export const SEED_VERSION = '${name}-1';

export const RECORD_COUNT = 50;

/** Deterministic sample rows, the same on every machine. Replace with the domain's real source. */
export async function seed(store) {
  await store.query('CREATE TABLE records (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, value DOUBLE PRECISION NOT NULL, updated_on VARCHAR NOT NULL)');
  const rows = [];
  for (let i = 1; i <= RECORD_COUNT; i++) {
    rows.push([\`${prefix}-\${String(i).padStart(4, '0')}\`, \`${pascal(name)} \${i}\`, Math.round((i * 7919) % 100000) / 100, \`2026-06-\${String(1 + (i % 28)).padStart(2, '0')}\`]);
  }
  await store.append('records', rows);
}
`,
    'server.test.js': `import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDataProduct } from 'meshgate/kit';
import { SIGNATURE_HEADER, signatureHeader, signingKey } from 'meshgate/protocol';
import { RECORD_COUNT } from './seed.js';
import { ${variable} } from './server.js';

/**
 * The product on its own, over HTTP, on a store seeded into a temporary folder. It serves
 * only requests signed for it, as the gateway signs them: the test gives it a key of its own
 * and signs each request with that key.
 */
const dir = mkdtempSync(join(tmpdir(), '${name}-'));
const key = signingKey(randomBytes(32));
let product;
let running;
before(async () => {
  product = await createDataProduct(${variable}, { storePath: join(dir, '${name}.duckdb'), signingKeys: [key] });
  running = await product.listen({ port: 0 });
});
after(async () => {
  await product?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ask(query, signed = true) {
  const body = JSON.stringify({ query });
  const headers = { 'content-type': 'application/json' };
  if (signed) headers[SIGNATURE_HEADER] = signatureHeader(key, product.name, body);
  const response = await fetch(running.url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.json() };
}

describe('${name}', () => {
  it('serves its seeded records', async () => {
    const result = await ask('{ ${list}(first: 100) { id name value updatedOn } }');
    assert.equal(result.body.errors, undefined);
    assert.equal(result.body.data.${list}.length, RECORD_COUNT);
    assert.equal(result.body.data.${list}[0].id, '${prefix}-0001');
  });

  it('looks a record up by id, and answers null for an unknown one', async () => {
    const result = await ask('{ a: ${one}(id: "${prefix}-0002") { id name } b: ${one}(id: "nope") { id } }');
    assert.deepEqual(result.body.data, { a: { id: '${prefix}-0002', name: '${pascal(name)} 2' }, b: null });
  });

  it('refuses a request the gateway did not sign', async () => {
    const result = await ask('{ ${list}(first: 1) { id } }', false);
    assert.equal(result.status, 401);
    assert.equal(result.body.errors[0].extensions.code, 'SIGNATURE_MISSING');
  });
});
`,
    'ci.sh': `#!/bin/sh
# The ${name} product's CI, after \`npm ci\`. Needs MESHGATE_REGISTRY_URL and, in
# MESHGATE_REGISTRY_TOKEN, this product's registry token (a CI secret).
#   sh ci.sh           on every change: the product's tests, then every rule of the mesh
#   sh ci.sh publish   on release: the same, then publish (PRODUCT_URL: where gateways reach it)
set -eu
cd "$(dirname "$0")"
: "\${MESHGATE_REGISTRY_URL:?set MESHGATE_REGISTRY_URL to the registry, e.g. https://registry.internal}"
npm test
npx meshgate check --registry "$MESHGATE_REGISTRY_URL"
if [ "\${1:-}" = publish ]; then
  npx meshgate publish ${name} --registry "$MESHGATE_REGISTRY_URL" \${PRODUCT_URL:+--url "$PRODUCT_URL"}
fi
`,
    '.gitignore': `node_modules/
store/*.duckdb*
.meshgate/
`,
    'README.md': `# ${name}

A data product of the ${domain} domain on [meshgate](https://www.npmjs.com/package/meshgate).

| file | what it is |
| --- | --- |
| \`product.yaml\` | the descriptor: owner, version, status, SLA, a classification for every published field |
| \`schema.graphql\` | the published interface, a Federation 2 subgraph |
| \`server.js\` | the resolvers over the product's own store, served by \`meshgate/kit\` |
| \`seed.js\` | sample rows for the embedded store; replace with the domain's source |
| \`server.test.js\` | the product's own tests (\`npm test\`) |
| \`ci.sh\` | CI: tests and \`meshgate check --registry\`; \`sh ci.sh publish\` also publishes |

In this folder:

\`\`\`sh
npm install
npm test                                                     # the product's own tests
npm start                                                    # serves it on PORT (default ${TEMPLATE_PRODUCT_PORT})
npx meshgate dev --run "node server.js" --registry "$MESHGATE_REGISTRY_URL"   # beside the mesh, reloaded on save
sh ci.sh publish                                             # check against the registry and publish
\`\`\`

Every change: edit \`schema.graphql\` and \`server.js\`, bump \`version\` in \`product.yaml\`
(a minor for an addition; a removal needs a deprecation with a sunset first), run \`sh ci.sh\`.
`,
  };
}

/**
 * `meshgate init`: turns a folder into a product repository that works on its own: the
 * contract (`product.yaml`, `schema.graphql`), a server on `meshgate/kit`, a seed, a test,
 * a CI script and a README. The folder may already hold the `package.json` and
 * `node_modules` that `npm install meshgate` (or `npm install <tarball>`) wrote: that
 * dependency is kept as it was installed, and the rest of package.json is added.
 */
export function initProductRepository(options: InitOptions): InitResult {
  const dir = resolve(options.dir ?? '.');
  const { name } = options;
  const problems: string[] = [];
  if (!PRODUCT_NAME.test(name)) problems.push(`product: must be a product name in kebab-case such as "shipments" (got ${JSON.stringify(name)})`);
  if (!options.domain.trim()) problems.push('--domain: must not be empty');
  if (!options.owner.trim()) problems.push('--owner: must not be empty');
  const contract = contractTemplates({ name, domain: options.domain, owner: options.owner, contact: options.contact ?? `${options.owner}@example.com` });
  const files: Record<string, string> = { ...contract.files, ...repositoryFiles(name, options.domain, contract.names) };
  // Never over a team's work: a file that exists stops the whole init, before anything is written.
  for (const file of Object.keys(files)) if (existsSync(join(dir, file))) problems.push(`${join(dir, file)} already exists: run meshgate init in a new folder`);
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate init', problems);

  mkdirSync(join(dir, 'store'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(packageJson(dir, name), null, 2)}\n`);
  return { dir, files: ['package.json', ...Object.keys(files)], typeName: contract.names.type, queryFields: { one: contract.names.one, list: contract.names.list } };
}

/** The fields of a package.json that `packageJson` reads; the rest it keeps as they are. */
interface PackageJsonFields {
  [key: string]: unknown;
  name?: string;
  version?: string;
  description?: string;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** The repository's package.json: what `npm install` wrote, with the product's name, module type, scripts and engines added. */
function packageJson(dir: string, name: string): Record<string, unknown> {
  const file = join(dir, 'package.json');
  let existing: PackageJsonFields = {};
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8')) as PackageJsonFields;
    } catch (error) {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate init', [`${file} is not valid JSON: ${(error as Error).message}`]);
    }
  }
  const dependencies = { ...(existing.dependencies ?? {}) } as Record<string, string>;
  // Installed from a tarball or a path, npm wrote that spec: it stays. Otherwise this release, from the registry.
  dependencies.meshgate ??= `^${meshgateVersion()}`;
  return {
    ...existing,
    name: existing.name ?? `${name}-data-product`,
    version: existing.version ?? '1.0.0',
    private: true,
    type: 'module',
    description: existing.description ?? `The ${name} data product`,
    engines: { node: meshgateEngines() },
    scripts: { ...(existing.scripts ?? {}), start: 'node server.js', test: 'node --test' },
    dependencies,
  };
}
