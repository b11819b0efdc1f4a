import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { modelSubgraph } from '../../schema/product/subgraph-model.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { addDays, utcDay } from '../../schema/base/utc-day.ts';
import { createDataProduct, type RunningProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The registry's "done when": a mesh made of separate git repositories. Each product's
 * contract files live only in its own repository; each team publishes with the real CLI
 * from there; two real gateway processes serve the registry's builds; a breaking publish is
 * refused while the gateways keep serving; a compatible one reaches both under load with no
 * failed request; one team's token cannot publish another's product; a rollback restores
 * the previous build everywhere. A second registry runs on the embedded default store.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'meshgate.js');
const pg = await postgresAvailable();

// A product with input ports and the two source products it reads: the smallest mesh with a cross-product query.
const DERIVED = 'sales';
const SOURCE = 'customers';
const OTHER_SOURCE = 'catalog';
const MEMBERS = [SOURCE, OTHER_SOURCE, DERIVED].map((name) => DEMO_MESH.find((member) => member.name === name)!);
/**
 * Two plain fields of the source product's Customer, read from its SDL rather than named
 * here, so the test holds as the demo changes: not a key, not deprecated, not another
 * product's, under no access directive (an anonymous caller reads them in development),
 * and of a scalar or enum type. The first is removed by the breaking publish; the second is
 * deprecated by the compatible one, and the load selects it.
 */
const [REMOVED, DEPRECATED] = (() => {
  const sdl = readFileSync(join(MEMBERS[0]!.definition.dir, 'schema.graphql'), 'utf8');
  const customer = modelSubgraph(sdl).types.get('Customer')!;
  const scalars = new Set(['String', 'Int', 'Float', 'Boolean', 'ID', ...[...modelSubgraph(sdl).types.values()].filter((t) => t.kind === 'enum').map((t) => t.name)]);
  const plain = [...customer.fields.values()].filter(
    (field) =>
      field.name !== 'id' &&
      field.deprecationReason === undefined &&
      !field.external &&
      !field.inaccessible &&
      !field.preview &&
      field.args.length === 0 &&
      scalars.has(field.returnType) &&
      !new RegExp(`^\\s*${field.name}\\b[^\\n]*@(authenticated|requiresScopes|policy)`, 'm').test(sdl),
  );
  expect(plain.length, 'two plain Customer fields').toBeGreaterThanOrEqual(2);
  return [plain[0]!.name, plain[1]!.name];
})();
const QUERY = `{ customer(id: "C00042") { id ${DEPRECATED} orderSummary { orderCount } orders(first: 2) { edges { node { id lines { product { name category } } } } } } }`;
/** A client the gateways trust by name, so its anonymous load is recorded as usage. */
const CLIENT = 'registry-e2e-load';

const TOKENS = {
  platform: randomBytes(16).toString('hex'),
  gateway: randomBytes(16).toString('hex'),
  ...Object.fromEntries(MEMBERS.map((member) => [member.name, randomBytes(16).toString('hex')])),
} as Record<string, string>;
const REGISTRY_ENV = {
  MESHGATE_REGISTRY_PLATFORM_TOKEN: TOKENS.platform!,
  MESHGATE_REGISTRY_GATEWAY_TOKEN: TOKENS.gateway!,
  ...Object.fromEntries(MEMBERS.map((member) => [`MESHGATE_REGISTRY_PRODUCT_TOKEN_${member.name.toUpperCase().replaceAll('-', '_')}`, TOKENS[member.name]!])),
};
const SIGNING_SECRET = randomBytes(24).toString('hex');

/**
 * The README's "Run a mesh of many repositories" commands, which this test runs as written
 * (through bin/meshgate.js, which `npx meshgate` runs) with this machine's values put in for
 * the README's: free ports, this run's URLs, its own Postgres schema, the build to restore.
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const README_COMMANDS = (/^```sh\n([\s\S]*?)^```/m.exec(/^## Run a mesh of many repositories\n([\s\S]*?)(?=^## )/m.exec(README)?.[1] ?? '')?.[1] ?? '')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '');
const readmeUsed = new Set<string>();

/** The README command starting `npx meshgate <start>`, as arguments, with the README's values replaced by this run's. */
function readme(start: string, values: Record<string, string>): string[] {
  const line = README_COMMANDS.find((candidate) => candidate.startsWith(`npx meshgate ${start} `));
  expect(line, `README has "npx meshgate ${start} ..."`).toBeDefined();
  readmeUsed.add(line!);
  return line!
    .replace(/^npx meshgate /, '')
    .split(' ')
    .map((arg) => values[arg] ?? arg);
}

const schema = `registry_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'registry-mesh-'));
const processes: CliProcess[] = [];
const running: RunningProduct[] = [];
const repos: Record<string, string> = {};
const productUrls: Record<string, string> = {};
let registryUrl = '';
/** The second registry, on the embedded default store, runs from this folder. */
const embeddedHome = join(work, 'embedded');
const EMBEDDED_GOVERNANCE = readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8').replace(/^deprecationWindowDays: \d+/m, 'deprecationWindowDays: 120');
let embeddedUrl = '';
let gateways: string[] = [];
let gatewayProcesses: CliProcess[] = [];
type Finished = Promise<{ code: number | null; output: string }>;
let embeddedPublish: Finished | undefined;
let foreignPublish: Finished | undefined;
let postgresRegistryProcess: CliProcess | undefined;

function cli(args: string[], options: { cwd: string; token?: string; env?: Record<string, string> }): CliProcess {
  const child = runCli(args, { MESHGATE_SIGNING_SECRET: SIGNING_SECRET, ...(options.token ? { MESHGATE_REGISTRY_TOKEN: options.token } : {}), ...options.env }, { cwd: options.cwd, script: CLI });
  processes.push(child);
  return child;
}

/** Runs a CLI command to its end: its exit code and everything it printed. */
async function run(args: string[], options: { cwd: string; token?: string }): Promise<{ code: number | null; output: string }> {
  const child = cli(args, options);
  const code = await child.exited;
  return { code, output: child.output() };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=team', '-c', 'user.email=team@example.com', ...args], { cwd, stdio: 'ignore' });
}

/** A product team's repository: its own git history with product.yaml and schema.graphql at the top. */
function productRepository(name: string, dir: string): string {
  const repo = join(work, `${name}-repo`);
  mkdirSync(repo);
  for (const file of ['product.yaml', 'schema.graphql']) writeFileSync(join(repo, file), readFileSync(join(dir, file), 'utf8'));
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', `${name}: first contract`);
  return repo;
}

function edit(repo: string, file: string, change: (text: string) => string, message: string): void {
  const path = join(repo, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, `${file} unchanged by "${message}"`).not.toBe(before);
  writeFileSync(path, after);
  git(repo, 'commit', '-qam', message);
}

async function supergraphBuild(): Promise<number> {
  const response = await fetch(`${registryUrl}/v1/supergraph`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } });
  await response.text();
  return Number(response.headers.get('x-meshgate-build'));
}

/** Queries every gateway until each answers as `done` says, counting every failed request on the way. */
async function loadUntil(done: (headers: Headers) => boolean): Promise<{ requests: number; failed: string[] }> {
  const reached = new Set<string>();
  const failed: string[] = [];
  let requests = 0;
  // A cap on rounds, not on time: a gateway that never reloads fails the test instead of hanging it.
  for (let round = 0; round < 2_000 && reached.size < gateways.length; round++) {
    const answers = await Promise.all(gateways.map((url) => postGraphQL(url, { query: QUERY }, { 'apollographql-client-name': CLIENT })));
    answers.forEach((answer, index) => {
      requests++;
      if (answer.status !== 200 || answer.body.errors || answer.body.data?.customer?.id !== 'C00042') failed.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      if (done(answer.headers)) reached.add(gateways[index]!);
    });
  }
  expect(reached.size, 'every gateway reached the build').toBe(gateways.length);
  return { requests, failed };
}

describe.skipIf(!pg)('a mesh of separate repositories, published to a registry and served from it', () => {
  beforeAll(async () => {
    // Products answer only the gateway's signature: both sides get the same secret.
    process.env.MESHGATE_SIGNING_SECRET = SIGNING_SECRET;
    for (const member of MEMBERS) {
      const product = await createDataProduct(member.definition);
      const listening = await product.listen({ port: 0 });
      running.push(listening);
      productUrls[member.name] = listening.url;
      repos[member.name] = productRepository(member.name, member.definition.dir);
    }
    mkdirSync(embeddedHome);
    // This one is configured by file alone: tokens by their SHA-256, and the governance it starts with.
    writeFileSync(join(embeddedHome, 'governance.yaml'), EMBEDDED_GOVERNANCE);
    writeFileSync(
      join(embeddedHome, 'registry.yaml'),
      `governanceFile: governance.yaml\ntokens:\n${[
        { kind: 'gateway', name: 'edge', token: TOKENS.gateway! },
        { kind: 'product', name: `${OTHER_SOURCE}-ci`, product: OTHER_SOURCE, token: TOKENS[OTHER_SOURCE]! },
      ]
        .map(({ token, ...entry }) => `  - ${JSON.stringify({ ...entry, sha256: createHash('sha256').update(token).digest('hex') })}\n`)
        .join('')}`,
    );
    const store = readme('registry serve', {})[readme('registry serve', {}).indexOf('--store') + 1]!;
    const registries = [
      cli(readme('registry serve', { [store]: `${TEST_POSTGRES_URL}?schema=${schema}`, '4100': '0' }), { cwd: work, env: REGISTRY_ENV }),
      cli(['registry', 'serve', '--port', '0', '--config', 'registry.yaml'], { cwd: embeddedHome }),
    ];
    postgresRegistryProcess = registries[0];
    const [postgresRegistry, embeddedRegistry] = await Promise.all(registries.map((registry) => registry.waitFor(/registry ready at (http:\/\/\S+)/)));
    registryUrl = postgresRegistry!;
    embeddedUrl = embeddedRegistry!;
  });

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await Promise.all(running.map((product) => product.close()));
    delete process.env.MESHGATE_SIGNING_SECRET;
    rmSync(work, { recursive: true, force: true });
    await dropPostgresSchema(schema);
  });

  it('each team publishes from its own repository; two gateways serve the cross-product query', async () => {
    const publish = (name: string) => run(['publish', name, '--registry', registryUrl, '--url', productUrls[name]!], { cwd: repos[name]!, token: TOKENS[name] });
    // The mesh used to live in one repository: the platform team seeds the registry with its published baselines.
    const monorepo = join(work, 'monorepo');
    for (const member of MEMBERS) cpSync(join(ROOT, 'schema', 'published', member.name), join(monorepo, 'schema', 'published', member.name), { recursive: true });
    const imported = await run(readme('registry import', { '../mesh': monorepo, 'http://localhost:4100': registryUrl }), { cwd: work, token: TOKENS.platform });
    expect(imported.code, imported.output).toBe(0);
    expect(imported.output).toContain(`imported ${MEMBERS.length} products`);

    // Commands that do not depend on each other run side by side; their outcomes are asserted by the tests named for them.
    embeddedPublish = run(['publish', OTHER_SOURCE, '--registry', embeddedUrl, '--url', productUrls[OTHER_SOURCE]!], { cwd: repos[OTHER_SOURCE]!, token: TOKENS[OTHER_SOURCE] });
    // Sources first: the derived product's input ports must be served when it is checked.
    for (const result of await Promise.all([publish(SOURCE), publish(OTHER_SOURCE)])) expect(result.code, result.output).toBe(0);
    // From outside the repository, pointed at it with --dir.
    foreignPublish = run(['publish', OTHER_SOURCE, '--registry', registryUrl, '--dir', repos[OTHER_SOURCE]!], { cwd: work, token: TOKENS[SOURCE] });
    const derived = await run(readme(`publish ${DERIVED}`, { 'http://localhost:4100': registryUrl, 'http://localhost:4002/graphql': productUrls[DERIVED]! }), {
      cwd: repos[DERIVED]!,
      token: TOKENS[DERIVED],
    });
    expect(derived.code, derived.output).toBe(0);
    expect(derived.output).toMatch(new RegExp(`published ${DERIVED} \\S+ to ${registryUrl}: build \\d+`));

    // Polled every 200 ms, so the test waits little; set by MESHGATE_CONFIG so the README's command stays as written.
    const config = join(work, 'gateway.yaml');
    writeFileSync(config, `supergraph:\n  pollIntervalMs: 200\nusage:\n  flushIntervalMs: 200\n  trustedClients: [${CLIENT}]\n`);
    const serve = readme('serve --registry', { 'http://localhost:4100': registryUrl, '4000': '0' });
    // Warnings logged (the test runner's environment silences them otherwise): a failed poll is one.
    const started = [0, 1].map(() => cli(serve, { cwd: work, token: TOKENS.gateway, env: { MESHGATE_CONFIG: config, MESHGATE_LOG_LEVEL: 'warn' } }));
    gatewayProcesses = started;
    gateways = await Promise.all(started.map((gateway) => gateway.waitFor(/gateway ready at (http:\/\/\S+)/)));
    for (const url of gateways) {
      const answer = await postGraphQL(url, { query: QUERY });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.customer).toMatchObject({ id: 'C00042', orderSummary: { orderCount: expect.any(Number) } });
      // customers -> sales -> catalog: the product names come from the third repository's product.
      expect(answer.body.data.customer.orders.edges[0].node.lines[0].product.name).toEqual(expect.any(String));
    }
  });

  it("product A's token cannot publish product B", async () => {
    const result = await foreignPublish!;
    expect(result.code).toBe(1);
    expect(result.output).toContain(`REGISTRY_FORBIDDEN: The token of "${SOURCE}" may not publish or check "${OTHER_SOURCE}"`);
  });

  it('a breaking publish (a field removed without deprecation) exits 1 with the finding; the gateways keep the build they serve', async () => {
    const before = await supergraphBuild();
    // The field's line and the description line above it go.
    edit(repos[SOURCE]!, 'schema.graphql', (sdl) => sdl.replace(new RegExp(`\\n[^\\n]*\\n\\s*${REMOVED}: [^\\n]*`), ''), `remove Customer.${REMOVED}`);
    // At a new version: the published one never changes (VERSION_EXISTS), whatever the checks say.
    const version = loadDescriptor(join(repos[SOURCE]!, 'product.yaml')).version;
    edit(repos[SOURCE]!, 'product.yaml', (yaml) => yaml.replace(`version: ${version}`, `version: ${inc(version, 'minor')}`), 'bump');
    const [check, publish] = await Promise.all([
      run(readme('check --registry', { 'http://localhost:4100': registryUrl }), { cwd: repos[SOURCE]!, token: TOKENS[SOURCE] }),
      run(['publish', SOURCE, '--registry', registryUrl], { cwd: repos[SOURCE]!, token: TOKENS[SOURCE] }),
    ]);
    expect(check.code, check.output).toBe(1);
    expect(check.output).toContain(`✗ compat/breaking-without-deprecation  Customer.${REMOVED}`);
    expect(publish.code, publish.output).toBe(1);
    expect(publish.output).toContain(`✗ compat/breaking-without-deprecation  Customer.${REMOVED}`);
    expect(publish.output).toContain(`PUBLISH_REFUSED: ${SOURCE} fails meshgate check; nothing was published`);
    expect(await supergraphBuild()).toBe(before);
    const { failed } = await loadUntil(() => true);
    expect(failed).toEqual([]);
    git(repos[SOURCE]!, 'revert', '--no-edit', 'HEAD~2..HEAD');
  });

  let beforeCompatible = 0;

  it('a compatible publish (a deprecation) reaches both gateways under load with 0 failed requests', async () => {
    beforeCompatible = await supergraphBuild();
    const sunset = addDays(utcDay(), 180);
    const version = loadDescriptor(join(repos[SOURCE]!, 'product.yaml')).version;
    edit(
      repos[SOURCE]!,
      'schema.graphql',
      (sdl) => sdl.replace(new RegExp(`^(\\s*${DEPRECATED}: [^\\n]*)$`, 'm'), `$1 @deprecated(reason: "Use the CRM tiering instead. Sunset ${sunset}")`),
      `deprecate Customer.${DEPRECATED}`,
    );
    edit(repos[SOURCE]!, 'product.yaml', (yaml) => yaml.replace(`version: ${version}`, `version: ${inc(version, 'patch')}`), 'bump');
    const publishing = run(['publish', SOURCE, '--registry', registryUrl], { cwd: repos[SOURCE]!, token: TOKENS[SOURCE] });
    // The load runs while the registry checks, composes and the gateways swap the supergraph.
    const load = await loadUntil((headers) => headers.get('deprecation') === 'true');
    const published = await publishing;
    expect(published.code, published.output).toBe(0);
    expect(load.failed).toEqual([]);
    expect(load.requests).toBeGreaterThan(gateways.length);
    expect(await supergraphBuild()).toBeGreaterThan(beforeCompatible);
  });

  it('gateways post their field usage to the registry, where usage-aware checks read it', async () => {
    const query = new URLSearchParams({ field: `Customer.${DEPRECATED}`, since: addDays(utcDay(), -1), until: addDays(utcDay(), 1) });
    let rows: { client: string; count: number }[] = [];
    for (let attempt = 0; attempt < 100 && !rows.some((row) => row.client === CLIENT); attempt++) {
      await postGraphQL(gateways[0]!, { query: QUERY }, { 'apollographql-client-name': CLIENT });
      rows = (await (await fetch(`${registryUrl}/v1/usage?${query}`, { headers: { authorization: `Bearer ${TOKENS.platform}` } })).json()) as typeof rows;
    }
    expect(rows.filter((row) => row.client === CLIENT).reduce((sum, row) => sum + row.count, 0)).toBeGreaterThan(0);
  });

  it('a rollback restores the previous build on both gateways; meshgate compose --registry writes it', async () => {
    const restore = readme('registry rollback', {})[2]!;
    const rollback = await run(readme('registry rollback', { [restore]: String(beforeCompatible), 'http://localhost:4100': registryUrl }), { cwd: work, token: TOKENS.platform });
    expect(rollback.code, rollback.output).toBe(0);
    expect(rollback.output).toMatch(new RegExp(`build \\d+ is current: the supergraph of build ${beforeCompatible}`));
    const out = join(work, 'schema', 'supergraph.graphql');
    const [load, compose] = await Promise.all([
      loadUntil((headers) => headers.get('deprecation') === null),
      run(readme('compose --registry', { 'http://localhost:4100': registryUrl }), { cwd: work, token: TOKENS.gateway }),
    ]);
    expect(load.failed).toEqual([]);
    expect(compose.code, compose.output).toBe(0);
    const served = await fetch(`${registryUrl}/v1/supergraph`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } });
    expect(readFileSync(out, 'utf8').trimEnd()).toBe((await served.text()).trimEnd());
    expect(readFileSync(out, 'utf8')).not.toContain('Use the CRM tiering instead');
    const baseline = (await (await fetch(`${registryUrl}/v1/products/${SOURCE}/baseline`, { headers: { authorization: `Bearer ${TOKENS[SOURCE]}` } })).json()) as { sdl: string };
    expect(baseline.sdl).not.toContain('Use the CRM tiering instead');
  });

  it('a second registry runs on the embedded default store (a DuckDB file, no server), configured by its file', async () => {
    const url = embeddedUrl;
    // (Started in beforeAll, side by side with the first: the README's serve command without --store.)
    expect(existsSync(join(embeddedHome, '.meshgate', 'registry.duckdb'))).toBe(true);
    // Published in the first test, side by side with the others: a source product needs no other in its mesh.
    const publish = await embeddedPublish!;
    expect(publish.code, publish.output).toBe(0);
    const response = await fetch(`${url}/v1/supergraph`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`join__graph(name: "${OTHER_SOURCE}", url: "${productUrls[OTHER_SOURCE]}")`);
    const mesh = (await (await fetch(`${url}/v1/mesh`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } })).json()) as { products: { publishedBy: string }[]; governance: string };
    expect(mesh.governance).toBe(EMBEDDED_GOVERNANCE);
    expect(mesh.products.map((p) => p.publishedBy)).toEqual([`${OTHER_SOURCE}-ci`]);
    // `registry serve` wires the read-only pages in: the catalog of the current build and the product's history.
    const page = await fetch(`${url}/catalog/${OTHER_SOURCE}`, { headers: { authorization: `Bearer ${TOKENS.gateway}` } });
    const html = await page.text();
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(html).toContain(`data-product="${OTHER_SOURCE}"`);
    expect(html).toMatch(new RegExp(`<tr data-version="[^"]+"><td><code>[^<]+</code></td><td>${OTHER_SOURCE}-ci</td>`));
  });

  it('gateways keep serving their last good build when the registry goes away', async () => {
    await postgresRegistryProcess!.stop();
    // Each gateway has seen a poll fail (and says so) before the load below.
    await Promise.all(gatewayProcesses.map((gateway) => gateway.waitFor(/SUPERGRAPH_NOT_LOADED: cannot poll/)));
    const { failed } = await loadUntil(() => true);
    expect(failed).toEqual([]);
  });

  it("ran every command of the README's section (meshgate dev's own test runs its line)", () => {
    expect([...readmeUsed].sort()).toEqual(README_COMMANDS.filter((line) => !line.startsWith('npx meshgate dev')).sort());
  });
});
