import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The package as a product team installs it: `npm pack` of this repository, installed from
 * the tarball into an empty folder, then the CLI run and a product built on `meshgate/kit`
 * served and asked, signed and unsigned, with `meshgate/protocol`. The installed bin must run
 * the compiled build, never tsx.
 *
 *     node --import tsx test/package/installed-package.ts
 *
 * A script run by `.ci/run`, not a vitest file: packing builds dist/ and the explorer, and
 * installing lays out every dependency, about 70 s on two cores, past what the suite can
 * spend on one test. It exits 1 on the first failed check.
 */
const REPO = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let passed = 0;

function check(name: string, ok: boolean, detail: string): void {
  if (!ok) {
    console.error(`✗ ${name}\n${detail}`);
    console.log(`installed package: ${passed} checks passed, 1 failed`);
    process.exit(1);
  }
  passed += 1;
  console.log(`✓ ${name}`);
}

/** A product in the consumer's own folder: its contract files and a server on the installed kit. */
const PRODUCT_YAML = `id: urn:example:product:stations
name: stations
domain: mobility
owner: { team: mobility, contact: mobility@example.com }
version: 1.0.0
status: active
description: { purpose: Charging stations., limitations: A sample., usage: Ask by id. }
sla: { freshness: 24h, availability: 99% }
fields:
  Station.id: { classification: public }
  Station.name: { classification: public }
  Query.station: { classification: public }
`;
const SCHEMA = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
"A charging station." type Station @key(fields: "id") { "Its id." id: ID! "Its name." name: String! }
type Query { "One station." station(id: ID!): Station }
`;
const SERVER = `import { createDataProduct, rowByKeyLoader } from 'meshgate/kit';
import { signatureHeader, signingKey } from 'meshgate/protocol';
const key = signingKey('a key of the stations product');
const product = await createDataProduct({
  dir: import.meta.dirname,
  resolvers: { Query: { station: (_, { id }, { loaders }) => loaders.station.load(id) } },
  createLoaders: (store) => ({ station: rowByKeyLoader(store, 'SELECT id, name FROM stations WHERE id = ANY($1)', 'id') }),
  seed: { version: 'stations-1', run: async (store) => {
    await store.query('CREATE TABLE stations (id VARCHAR, name VARCHAR)');
    await store.append('stations', [['S1', 'Harbour'], ['S2', 'Airport']]);
  } },
}, { signingKeys: [key] });
const running = await product.listen({ port: 0 });
const body = JSON.stringify({ query: '{ station(id: "S2") { id name } }' });
const ask = async (headers) => {
  const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: await response.json() };
};
const signed = await ask({ 'x-meshgate-signature': signatureHeader(key, 'stations', body) });
const unsigned = await ask({});
await product.close();
console.log(JSON.stringify({ signed, unsigned }));
`;

const work = mkdtempSync(join(tmpdir(), 'meshgate-package-'));
try {
  const { stdout: packed } = await run(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const tarball = join(work, packed.trim().split('\n').at(-1)!);
  const consumer = join(work, 'consumer');
  mkdirSync(join(consumer, 'stations'), { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The local cache first: CI has just installed the same dependencies.
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: consumer, maxBuffer: 16 * 1024 * 1024 });

  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const { stdout: printed } = await run('npx', ['meshgate', '--version'], { cwd: consumer });
  check('npx meshgate --version runs the installed CLI', printed.trim() === version, `printed ${JSON.stringify(printed)}, expected ${version}`);
  // tsx is a development dependency: a clone runs its sources through it, an installation never does.
  check('tsx is not installed with it', !existsSync(join(consumer, 'node_modules', 'tsx')), 'node_modules/tsx was installed: is tsx among the dependencies again?');
  // Help reads every command's module (its description and options), and loads what none of them runs.
  const { stdout: help } = await run('npx', ['meshgate', '--help'], { cwd: consumer });
  const listed = ['start', 'serve', 'check', 'test', 'registry', 'access', 'export', 'dev'].filter((command) => !new RegExp(`^  ${command} `, 'm').test(help));
  check('npx meshgate --help lists the commands', listed.length === 0, `not listed: ${listed.join(', ')}\n${help}`);

  // The installed bin as npx runs it, every module it resolves logged by a loader hook: it must
  // run the compiled dist/ and never load tsx or a TypeScript file (each start would pay for them).
  const loaded = join(work, 'loaded-modules.txt');
  writeFileSync(
    join(work, 'log-hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(loaded)}, result.url + '\\n');\n  return result;\n}\n`,
  );
  writeFileSync(join(work, 'log-modules.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'log-hooks.mjs')).href)});\n`);
  const { stdout: logged } = await run(process.execPath, ['--import', pathToFileURL(join(work, 'log-modules.mjs')).href, join(consumer, 'node_modules', '.bin', 'meshgate'), '--version'], {
    cwd: consumer,
  });
  const urls = readFileSync(loaded, 'utf8').trim().split('\n');
  const ours = urls.filter((url) => url.includes('/node_modules/meshgate/'));
  check(
    'the installed bin runs the compiled dist/',
    logged.trim() === version && ours.some((url) => url.endsWith('/node_modules/meshgate/dist/gateway/cli/main.js')),
    `printed ${JSON.stringify(logged)}; meshgate's modules loaded:\n${ours.slice(0, 20).join('\n')}`,
  );
  const typescript = urls.filter((url) => url.includes('/node_modules/tsx/') || /\.[mc]?ts$/.test(url));
  check('and loads neither tsx nor a TypeScript file', typescript.length === 0, typescript.slice(0, 20).join('\n'));
  // `meshgate serve` loads its path as one bundle, built at pack time; the script that builds it stays home.
  const installed = join(consumer, 'node_modules', 'meshgate');
  check(
    'the serve path is packed as its bundle, without the script that bundles it',
    existsSync(join(installed, 'dist/gateway/cli/serve-path.bundle.js')) && !existsSync(join(installed, 'bin/serve-bundle.js')),
    `dist/gateway/cli/serve-path.bundle.js ${existsSync(join(installed, 'dist/gateway/cli/serve-path.bundle.js')) ? 'packed' : 'missing'}; bin/serve-bundle.js ${existsSync(join(installed, 'bin/serve-bundle.js')) ? 'packed' : 'left out'}`,
  );

  const { stdout: vectors } = await run(
    process.execPath,
    ['--input-type=module', '-e', "import v from 'meshgate/protocol/test-vectors.json' with { type: 'json' }; console.log(v.protocol, v.verifications.length)"],
    { cwd: consumer },
  );
  check('meshgate/protocol/test-vectors.json is exported', /^v2 \d+$/.test(vectors.trim()), vectors);

  writeFileSync(join(consumer, 'stations', 'product.yaml'), PRODUCT_YAML);
  writeFileSync(join(consumer, 'stations', 'schema.graphql'), SCHEMA);
  writeFileSync(join(consumer, 'stations', 'server.mjs'), SERVER);
  // Plain node, no TypeScript loader: the kit's export is the compiled build.
  const { stdout: answers } = await run(process.execPath, [join(consumer, 'stations', 'server.mjs')], { cwd: consumer });
  const { signed, unsigned } = JSON.parse(answers.trim().split('\n').at(-1)!) as Record<'signed' | 'unsigned', { status: number; body: any }>;
  check('a product built on meshgate/kit answers a signed request', signed.status === 200 && signed.body.data?.station?.name === 'Airport', JSON.stringify(signed));
  check('and refuses an unsigned one with 401 SIGNATURE_MISSING', unsigned.status === 401 && unsigned.body.errors?.[0]?.extensions?.code === 'SIGNATURE_MISSING', JSON.stringify(unsigned));
  console.log(`installed package: ${passed} checks passed`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
