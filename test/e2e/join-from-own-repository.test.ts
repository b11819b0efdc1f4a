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
const [REGISTRY_BLOCK = [], PRODUCT_BLOCK = [], DEV_BLOCK = [], GATEWAY_BLOCK = [], ROTATE_BLOCK = []] = readmeShellBlocks(SECTION);
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
// MESHGATE_LOG_LEVEL: the runner's VITEST, which children inherit, would otherwise silence the gateway's log a user sees.
const ENV: Record<string, string> = { MESHGATE_HOME: join(work, 'home'), MESHGATE_LOG_LEVEL: 'info' };
// Nothing the README does not give: no mesh secret, no keys, no registry of the suite's.
for (const name of ['MESHGATE_SIGNING_SECRET', 'MESHGATE_SIGNING_KEYS', 'MESHGATE_REGISTRY_URL', 'MESHGATE_REGISTRY_TOKEN']) delete process.env[name];
let installed: string;
let registryUrl = '';
const productUrls: Record<string, string> = {};
let gatewayUrl = '';
let gatewayProcess: CliProcess;
let devToken = '';
const productProcesses: Record<string, CliProcess> = {};
const productEnv: Record<string, Record<string, string>> = {};
const CROSS_PRODUCT = '{ shipmentsRecords(first: 2) { id name } parcelsRecords(first: 2) { id name } }';

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
}, 180_000);

describe(SECTION, () => {
  it('the registry starts in a folder of its own, with the README line, and a load balancer probes /health without a token', async () => {
    expect(folderOf(REGISTRY_BLOCK)).toBe('registry');
    const [serve] = withoutInstall(REGISTRY_BLOCK, join(work, 'registry'));
    const command = substituted(serve!, [['--port 4100', '--port 0']]);
    const extraTokens = PRODUCTS.filter((name) => name !== README_PRODUCT)
      .map((name) => `${tokenEnv(name)}=${TOKENS[name]}`)
      .join(' ');
    // Keys are fetched again every second instead of every minute: the rotation below then takes seconds.
    registryUrl = (await line(`${extraTokens} MESHGATE_REGISTRY_KEY_REFRESH_SECONDS=1 ${command}`, join(work, 'registry'), { background: /meshgate registry ready at (http:\/\/\S+)/ })).captured;
    const health = await fetch(`${registryUrl}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
  });

  it.each(PRODUCTS)(
    'a product repository made by meshgate init (%s) passes its own tests and publishes from its CI script',
    async (product) => {
      const folder = join(work, product);
      expect(folderOf(PRODUCT_BLOCK)).toBe(README_PRODUCT);
      const lines = withoutInstall(PRODUCT_BLOCK, folder).map((text) => text.split(README_PRODUCT).join(product).replace(TOKENS[README_PRODUCT]!, TOKENS[product]!));
      const [init, exported, start, publish] = lines;
      await line(init!, folder);
      // `export A=1 B=2`: the lines after it run with them, as in the reader's shell.
      expect(exported).toMatch(/^export /);
      const env = Object.fromEntries(
        substituted(exported!, [['http://localhost:4100', registryUrl]])
          .replace(/^export /, '')
          .split(' ')
          .map((pair) => pair.split('=') as [string, string]),
      );
      productEnv[product] = env;
      expect(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).dependencies.meshgate).toMatch(/^file:.*\.tgz$/);
      const port = await freePort('127.0.0.1');
      const started = await line(
        substituted(start!, [
          ['PORT=4010', `PORT=${port}`],
          [' &', ''],
        ]),
        folder,
        { env, background: / serving at (http:\/\/\S+)/ },
      );
      productUrls[product] = started.captured;
      productProcesses[product] = started.process;
      const published = await line(substituted(publish!, [['http://localhost:4010/graphql', productUrls[product]!]]), folder, { env });
      // ci.sh ran the product's own tests (npm test) before it checked and published.
      expect(published.captured).toMatch(/# pass 3\n# fail 0/);
      expect(published.captured).toMatch(new RegExp(`published ${product} 1\\.0\\.0 to ${registryUrl}: build \\d+`));
    },
    240_000,
  );

  it("a refused publish says whose failures and names the repository's own product.yaml", async () => {
    const folder = join(work, 'parcels');
    const yaml = readFileSync(join(folder, 'product.yaml'), 'utf8');
    // Minor bump, a new field without its classification: lint refuses it.
    writeFileSync(
      join(folder, 'schema.graphql'),
      readFileSync(join(folder, 'schema.graphql'), 'utf8').replace('  "Display name."\n  name: String!\n', '  "Display name."\n  name: String!\n  "Where it is."\n  depot: String\n'),
    );
    writeFileSync(
      join(folder, 'product.yaml'),
      yaml.replace('version: 1.0.0', 'version: 1.1.0').replace(/^owner:\n {2}team: .*\n {2}contact: .*\n/m, 'owner:\n  team: parcels-team\n  contact: nobody\n'),
    );
    const child = runShellLine(`npx meshgate publish parcels --registry ${registryUrl}`, { cwd: folder, env: { ...ENV, MESHGATE_REGISTRY_TOKEN: TOKENS.parcels! } });
    processes.push(child);
    expect(await child.exited).toBe(1);
    const output = child.output();
    // The unclassified field fails lint, and the build it would make is one no gateway serves.
    expect(output).toMatch(/meshgate check: \d+ failures? in parcels( and the mesh as a whole)? \(\d+ ms\)/);
    expect(output).not.toMatch(/0 of 0 products/);
    expect(output).not.toContain('subgraphs/parcels/');
    expect(output).toContain('PUBLISH_REFUSED');
    writeFileSync(join(folder, 'product.yaml'), yaml);
  });

  it('the gateway serves the registry from a folder of its own and names each product it routes to', async () => {
    expect(folderOf(GATEWAY_BLOCK)).toBe('gateway');
    const [serve, token] = withoutInstall(GATEWAY_BLOCK, join(work, 'gateway'));
    const gateway = await line(
      substituted(serve!, [
        ['http://localhost:4100', registryUrl],
        ['--port 4000', '--port 0'],
      ]),
      join(work, 'gateway'),
      { background: /meshgate gateway ready at (http:\/\/\S+)/ },
    );
    gatewayUrl = gateway.captured;
    // Each product's line, in whatever order the mesh lists them and however the pipe splits them.
    for (const product of PRODUCTS) expect(await gateway.process.waitFor(new RegExp(`${product} -> (\\S+)`))).toBe(productUrls[product]);
    gatewayProcess = gateway.process;

    // A development token minted in the gateway's folder (the user's one identity), and a query across products with it.
    expect(token).toBe('npx meshgate token');
    devToken = (await line(token!, join(work, 'gateway'))).captured
      .trim()
      .split('\n')
      .at(-1)!
      .replace(/^Authorization: Bearer /, '');
    const answer = await postGraphQL(gatewayUrl, { query: CROSS_PRODUCT }, { authorization: `Bearer ${devToken}` });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.shipmentsRecords).toHaveLength(2);
    expect(answer.body.data.parcelsRecords).toHaveLength(2);
  });

  it('the registry rotates the signing keys while the gateway serves, without a failed request', async () => {
    expect(folderOf(ROTATE_BLOCK)).toBe('registry');
    let stop = false;
    const failed: string[] = [];
    let requests = 0;
    const load = (async () => {
      while (!stop) {
        const answer = await postGraphQL(gatewayUrl, { query: CROSS_PRODUCT }, { authorization: `Bearer ${devToken}` });
        requests++;
        if (answer.status !== 200 || answer.body.errors) failed.push(JSON.stringify(answer.body).slice(0, 300));
      }
    })();
    const rotated = await line(substituted(ROTATE_BLOCK[1]!, [['http://localhost:4100', registryUrl]]), join(work, 'registry'));
    expect(rotated.captured).toMatch(/^rotated/m);
    // Past the products' and the gateway's next fetch of their keys (every second here): the new key is in use.
    const through = requests;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    stop = true;
    await load;
    expect(requests).toBeGreaterThan(through);
    expect(failed).toEqual([]);
  });

  it('a product with the wrong key: the gateway logs one line naming the product and the reason', async () => {
    const product = 'parcels';
    await productProcesses[product]!.stop('SIGTERM');
    const port = new URL(productUrls[product]!).port;
    // Its key from MESHGATE_PRODUCT_KEY instead of the registry, and not the one the registry derived for it.
    const wrong = Buffer.from('a key that the registry never handed out').toString('base64url');
    const restarted = await line(`MESHGATE_PRODUCT_KEY=${wrong} PORT=${port} npm start`, join(work, product), { background: / serving at (http:\/\/\S+)/ });
    productProcesses[product] = restarted.process;
    // The gateway's pooled connection to the stopped process may fail first: ask until the product itself answers.
    const logged = gatewayProcess.waitFor(new RegExp(`product ${product} refused the gateway's signature: (\\S+)`), 60_000);
    let reason: string | undefined;
    void logged.then(
      (found) => (reason = found),
      () => undefined,
    );
    for (let i = 0; i < 120 && reason === undefined; i++) {
      const answer = await postGraphQL(gatewayUrl, { query: CROSS_PRODUCT }, { authorization: `Bearer ${devToken}` });
      // The client learns no more than which product failed; the operator's log says why.
      expect(answer.body.errors?.[0]?.extensions?.product).toBe(product);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await logged).toBe('unknown-key');
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
    writeFileSync(
      join(folder, 'schema.graphql'),
      readFileSync(join(folder, 'schema.graphql'), 'utf8').replace('  "Display name."\n  name: String!\n', '  "Display name."\n  name: String!\n  "The name, in capitals."\n  loudName: String!\n'),
    );
    writeFileSync(
      join(folder, 'product.yaml'),
      readFileSync(join(folder, 'product.yaml'), 'utf8')
        .replace('version: 1.0.0', 'version: 1.1.0')
        .replace('  ShipmentsRecord.name: { classification: public }\n', '  ShipmentsRecord.name: { classification: public }\n  ShipmentsRecord.loudName: { classification: public }\n'),
    );
    writeFileSync(
      join(folder, 'server.js'),
      readFileSync(join(folder, 'server.js'), 'utf8').replace(
        '      updatedOn: (row) => row.updated_on,\n',
        '      updatedOn: (row) => row.updated_on,\n      loudName: (row) => row.name.toUpperCase(),\n',
      ),
    );
    await dev.process.waitFor(/meshgate dev: change 1: (gateway reloaded|the gateway .*)/, 60_000);
    expect(dev.process.output()).toContain('change 1: gateway reloaded');
    expect(dev.process.output()).not.toMatch(/change 2:/);
    const after = await postGraphQL(url, { query: '{ shipmentsRecords(first: 2) { id loudName } }' });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.shipmentsRecords[1].loudName).toBe(before.body.data.shipmentsRecords[1].name.toUpperCase());
  });
});
