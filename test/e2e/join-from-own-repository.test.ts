import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../gateway/http/free-port.ts';
import type { CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { readmeShellBlocks, runShellLine, substituted } from '../support/readme-shell.ts';

/**
 * The README's "Join the mesh from your own repository", done as it says, from empty
 * temporary folders with only the packed package: a registry, product repositories made by
 * `meshgate init`, a gateway, each in a folder of its own, each running the README's lines.
 * No MESHGATE_SIGNING_SECRET anywhere: every key comes from where the README says.
 *
 * One shortcut, for time: `npm install meshgate` installs the tarball once, into a folder
 * the others link their node_modules to; the package each folder gets is the same.
 */
const SECTION = 'Join the mesh from your own repository';
const [REGISTRY_BLOCK = [], PRODUCT_BLOCK = [], DEV_BLOCK = [], GATEWAY_BLOCK = []] = readmeShellBlocks(SECTION);
const REPO = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The README's product; the others are made the same way under their own names. */
const README_PRODUCT = 'shipments';
const PRODUCTS = ['shipments', 'parcels'];
const TOKENS: Record<string, string> = { platform: 'platform-token-change-me', gateway: 'gateway-token-change-me', ...Object.fromEntries(PRODUCTS.map((name) => [name, `${name}-token-change-me`])) };
const tokenEnv = (product: string) => `MESHGATE_REGISTRY_PRODUCT_TOKEN_${product.toUpperCase().replaceAll('-', '_')}`;

const work = mkdtempSync(join(tmpdir(), 'meshgate-join-'));
const processes: CliProcess[] = [];
/** Every process of this test gets this environment: a home of its own for the user's development identity, and nothing of the suite's. */
const ENV: Record<string, string> = { MESHGATE_HOME: join(work, 'home') };
// Nothing the README does not give: no mesh secret, no keys, no registry of the suite's.
for (const name of ['MESHGATE_SIGNING_SECRET', 'MESHGATE_SIGNING_KEYS', 'MESHGATE_REGISTRY_URL', 'MESHGATE_REGISTRY_TOKEN']) delete process.env[name];
let installed: string;
let registryUrl = '';
const productUrls: Record<string, string> = {};
let gatewayUrl = '';

/** `npm install meshgate` in `folder`: the package.json npm wrote once, and its node_modules. */
function installInto(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(installed, file), join(folder, file));
  symlinkSync(join(installed, 'node_modules'), join(folder, 'node_modules'), 'dir');
}

/** Runs one README line in `folder`: to its end, or (`background`) left running until `ready` shows in its output. */
async function line(command: string, folder: string, options: { env?: Record<string, string>; background?: RegExp } = {}): Promise<{ process: CliProcess; captured: string }> {
  const child = runShellLine(command, { cwd: folder, env: { ...ENV, ...options.env } });
  processes.push(child);
  if (options.background) return { process: child, captured: await child.waitFor(options.background, 90_000) };
  const code = await child.exited;
  expect(code, `${command}\n${child.output()}`).toBe(0);
  return { process: child, captured: child.output() };
}

/** Which folder a README block runs in: its first line says, `# in <folder>/`. */
function folderOf(block: string[]): string {
  const named = /^# in (\S+)\/$/.exec(block[0] ?? '');
  expect(named, `the README's ${SECTION} blocks each say their folder first (got ${JSON.stringify(block[0])})`).not.toBeNull();
  return named![1]!;
}

/** The README's lines of a block after its folder line, its `npm install meshgate` done by {@link installInto} in `folder`. */
function withoutInstall(block: string[], folder: string): string[] {
  folderOf(block);
  expect(block[1], `the README's ${SECTION} blocks install meshgate first`).toBe('npm install meshgate');
  installInto(folder);
  return block.slice(2);
}

beforeAll(async () => {
  const { stdout } = await run(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const tarball = join(work, stdout.trim().split('\n').at(-1)!);
  installed = join(work, 'installed');
  mkdirSync(installed);
  // The local cache first: the suite's own install has just fetched the same dependencies.
  // No install scripts: meshgate's dependencies need none of theirs to run (their binaries come as packages).
  await run(npm, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], { cwd: installed, maxBuffer: 16 * 1024 * 1024 });
}, 240_000);

afterAll(async () => {
  // SIGTERM first, so products and gateways stop as they would; whatever is left after 10 s is killed.
  const stopped = Promise.all(processes.map((child) => child.stop('SIGTERM')));
  const late = setTimeout(() => processes.forEach((child) => void child.stop('SIGKILL')), 10_000);
  await stopped;
  clearTimeout(late);
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe(SECTION, () => {
  it('the registry starts in a folder of its own, with the README line, and a load balancer probes /health without a token', async () => {
    expect(folderOf(REGISTRY_BLOCK)).toBe('registry');
    const [serve] = withoutInstall(REGISTRY_BLOCK, join(work, 'registry'));
    const command = substituted(serve!, [['--port 4100', '--port 0']]);
    const extraTokens = PRODUCTS.filter((name) => name !== README_PRODUCT).map((name) => `${tokenEnv(name)}=${TOKENS[name]}`).join(' ');
    registryUrl = (await line(`${extraTokens} ${command}`, join(work, 'registry'), { background: /meshgate registry ready at (http:\/\/\S+)/ })).captured;
    const health = await fetch(`${registryUrl}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
  });

  it.each(PRODUCTS)('a product repository made by meshgate init (%s) passes its own tests and publishes from its CI script', async (product) => {
    const folder = join(work, product);
    expect(folderOf(PRODUCT_BLOCK)).toBe(README_PRODUCT);
    const lines = withoutInstall(PRODUCT_BLOCK, folder).map((text) => text.split(README_PRODUCT).join(product).replace(TOKENS[README_PRODUCT]!, TOKENS[product]!));
    const [init, start, publish] = lines;
    await line(init!, folder);
    expect(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).dependencies.meshgate).toMatch(/^file:.*\.tgz$/);
    const port = await freePort('127.0.0.1');
    productUrls[product] = (await line(substituted(start!, [['PORT=4010', `PORT=${port}`], [' &', '']]), folder, { background: / serving at (http:\/\/\S+)/ })).captured;
    const published = await line(substituted(publish!, [['http://localhost:4100', registryUrl], ['http://localhost:4010/graphql', productUrls[product]!]]), folder);
    // ci.sh ran the product's own tests (npm test) before it checked and published.
    expect(published.captured).toMatch(/# pass 3\n# fail 0/);
    expect(published.captured).toMatch(new RegExp(`published ${product} 1\\.0\\.0 to ${registryUrl}: build \\d+`));
  }, 240_000);

  it('a refused publish says whose failures and names the repository\'s own product.yaml', async () => {
    const folder = join(work, 'parcels');
    const yaml = readFileSync(join(folder, 'product.yaml'), 'utf8');
    // Minor bump, a new field without its classification: lint refuses it.
    writeFileSync(join(folder, 'schema.graphql'), readFileSync(join(folder, 'schema.graphql'), 'utf8').replace('  "Display name."\n  name: String!\n', '  "Display name."\n  name: String!\n  "Where it is."\n  depot: String\n'));
    writeFileSync(join(folder, 'product.yaml'), yaml.replace('version: 1.0.0', 'version: 1.1.0').replace(/^owner:\n {2}team: .*\n {2}contact: .*\n/m, 'owner:\n  team: parcels-team\n  contact: nobody\n'));
    const child = runShellLine(`npx meshgate publish parcels --registry ${registryUrl}`, { cwd: folder, env: { ...ENV, MESHGATE_REGISTRY_TOKEN: TOKENS.parcels! } });
    processes.push(child);
    expect(await child.exited).toBe(1);
    const output = child.output();
    expect(output).toMatch(/meshgate check: \d+ failures? in parcels \(\d+ ms\)/);
    expect(output).not.toMatch(/0 of 0 products/);
    expect(output).not.toContain('subgraphs/parcels/');
    expect(output).toContain('PUBLISH_REFUSED');
    writeFileSync(join(folder, 'product.yaml'), yaml);
  });

  it('the gateway serves the registry from a folder of its own and names each product it routes to', async () => {
    expect(folderOf(GATEWAY_BLOCK)).toBe('gateway');
    const [serve] = withoutInstall(GATEWAY_BLOCK, join(work, 'gateway'));
    const gateway = await line(substituted(serve!, [['http://localhost:4100', registryUrl], ['--port 4000', '--port 0']]), join(work, 'gateway'), { background: /meshgate gateway ready at (http:\/\/\S+)/ });
    gatewayUrl = gateway.captured;
    await gateway.process.waitFor(new RegExp(`${PRODUCTS.at(-1)} -> `));
    for (const product of PRODUCTS) expect(gateway.process.output()).toContain(`${product} -> ${productUrls[product]}`);
  });

  it('meshgate dev --run, from a product repository beside the registry, serves an edit within one save', async () => {
    const folder = join(work, README_PRODUCT);
    expect(folderOf(DEV_BLOCK)).toBe(`${README_PRODUCT}`);
    const [, devLine] = DEV_BLOCK;
    const dev = await line(substituted(devLine!, [['http://localhost:4100', registryUrl]]), folder, { background: /meshgate dev: gateway ready at (http:\/\/\S+)/ });
    const url = dev.captured;
    const query = { query: '{ shipmentsRecords(first: 2) { id name } }' };
    const before = await postGraphQL(url, query);
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.shipmentsRecords).toHaveLength(2);

    // One save: a new field in the schema, its classification and version, and its resolver.
    writeFileSync(join(folder, 'schema.graphql'), readFileSync(join(folder, 'schema.graphql'), 'utf8').replace('  "Display name."\n  name: String!\n', '  "Display name."\n  name: String!\n  "The name, in capitals."\n  loudName: String!\n'));
    writeFileSync(join(folder, 'product.yaml'), readFileSync(join(folder, 'product.yaml'), 'utf8').replace('version: 1.0.0', 'version: 1.1.0').replace('  ShipmentsRecord.name: { classification: public }\n', '  ShipmentsRecord.name: { classification: public }\n  ShipmentsRecord.loudName: { classification: public }\n'));
    writeFileSync(join(folder, 'server.js'), readFileSync(join(folder, 'server.js'), 'utf8').replace('      updatedOn: (row) => row.updated_on,\n', '      updatedOn: (row) => row.updated_on,\n      loudName: (row) => row.name.toUpperCase(),\n'));
    await dev.process.waitFor(/meshgate dev: change 1: (gateway reloaded|the gateway .*)/, 60_000);
    expect(dev.process.output()).toContain('change 1: gateway reloaded');
    expect(dev.process.output()).not.toMatch(/change 2:/);
    const after = await postGraphQL(url, { query: '{ shipmentsRecords(first: 2) { id loudName } }' });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.shipmentsRecords[1].loudName).toBe(before.body.data.shipmentsRecords[1].name.toUpperCase());
  });
});
