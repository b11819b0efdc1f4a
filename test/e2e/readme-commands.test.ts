import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { PostgresStore, postgresNamesOf } from '../../subgraphs/kit/postgres-store.ts';
import type { CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { readmeShellBlock, readmeShellBlocks, runShellLine, substituted } from '../support/readme-shell.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The shell commands of the README's "Run a single product" section, run as written (through
 * `npx` and `curl`, as a reader pastes them), on a free port instead of the README's, which
 * another process on the machine may hold; and the Postgres commands of "Running in
 * production", against the test server. The other README commands are run elsewhere:
 * "Add a domain" (its `npm start` too) by test/gateway/onboarding/meshgate-new.test.ts,
 * `meshgate dev` by test/e2e/dev-command.test.ts, `meshgate serve --supergraph` and the `MESHGATE_SUBGRAPH_URL_*` overrides by
 * test/e2e/serve-foreign-supergraph.test.ts, `npm run build` and `node dist/...` by
 * test/e2e/compiled-build.test.ts, `npm install` and `npm test` by CI (.ci/run).
 */
const ROOT = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let product: CliProcess | undefined;
afterEach(async () => {
  await product?.stop();
  product = undefined;
});

describe('README: Two commands', () => {
  it('are the ones CI and bench/first-run.sh run, and npm start is meshgate start', () => {
    expect(readmeShellBlock('Two commands')).toEqual(['npm install && npm start', 'npm test']);
    // CI installs from scratch and runs the README's test command; the first-run bench runs `npm install && npm start`.
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm ci .*\nnpm test\n/m);
    expect(readFileSync(join(ROOT, 'bench/first-run.sh'), 'utf8')).toMatch(/^npm install .*\n[\s\S]*^(setsid )?npm start /m);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts).toMatchObject({ start: 'node bin/meshgate.js start', test: expect.stringContaining('vitest run') });
  });
});

describe('README: Run a single product', () => {
  it('npx meshgate product <name> --port <port> serves the product, and curl <port>/health answers for it', async () => {
    const [serve, curl, ...rest] = readmeShellBlock('Run a single product');
    expect(rest).toEqual([]);
    const served = /^npx meshgate product (\S+) --port (\d+)$/.exec(serve ?? '');
    const health = /^curl localhost:(\d+)\/health$/.exec(curl ?? '');
    expect(served, serve).not.toBeNull();
    expect(health, curl).not.toBeNull();
    expect(health![1]).toBe(served![2]);

    const name = served![1]!;
    const port = String(await freePort());
    product = runShellLine(substituted(serve!, [[`--port ${served![2]}`, `--port ${port}`]]), { cwd: ROOT });
    expect(await product.waitFor(/serving at (\S+)/)).toBe(`http://127.0.0.1:${port}/graphql`);

    const curlArgs = curl!.replace(`localhost:${health![1]}`, `localhost:${port}`).split(' ');
    const { stdout } = await promisify(execFile)(curlArgs[0]!, [...curlArgs.slice(1), '--silent', '--fail']);
    const { version } = loadDescriptor(join(ROOT, 'subgraphs', name, 'product.yaml'));
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', product: name, version });
  });
});

describe('README: Develop a product', () => {
  it('MESHGATE_DEV_UNSIGNED=1 npx meshgate product <name> answers the unsigned curl introspection', async () => {
    const [serve, curl, ...rest] = readmeShellBlocks('Develop a product')[0] ?? [];
    expect(rest).toEqual([]);
    const served = /^MESHGATE_DEV_UNSIGNED=1 npx meshgate product (\S+) --port (\d+)$/.exec(serve ?? '');
    expect(served, serve).not.toBeNull();
    expect(curl).toMatch(new RegExp(`^curl .*localhost:${served![2]}/graphql `));

    const port = String(await freePort());
    product = runShellLine(substituted(serve!, [[`--port ${served![2]}`, `--port ${port}`]]), { cwd: ROOT });
    await product.waitFor(/serving at (\S+)/);
    expect(product.output()).toContain(`${served![1]} answers UNSIGNED requests from this machine`);
    const { stdout } = await promisify(execFile)('sh', ['-c', substituted(curl!, [[`localhost:${served![2]}`, `localhost:${port}`]])]);
    const sdl = (JSON.parse(stdout) as { data: { _service: { sdl: string } } }).data._service.sdl;
    expect(sdl).toContain('type Query');
    expect(sdl).toContain('@key');
  });
});

const withPostgres = await postgresAvailable();

describe.skipIf(!withPostgres)('README: Running in production, a product on Postgres', () => {
  // A login user of this run only, dropped after: the README's `sales` stands for it.
  const login = `mg_readme_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = PostgresStore.admin(TEST_POSTGRES_URL);
  afterAll(async () => {
    const { role } = postgresNamesOf('sales');
    await admin.query(`REVOKE ${role} FROM ${login}`).catch(() => {});
    await admin.query(`DROP ROLE IF EXISTS ${login}`);
    await admin.end();
  });

  it('meshgate seed --store --grant-to prepares the schema and lets the login user act as its role; the product then serves from it with rotated keys', async () => {
    const [seed, serve, ...rest] = readmeShellBlock('Running in production');
    expect(rest).toEqual([]);
    // What a DBA has done before the README's steps: the product's login user exists.
    await admin.query(`CREATE ROLE ${login} LOGIN`);
    const asLogin = Object.assign(new URL(TEST_POSTGRES_URL), { username: login }).toString();
    const [newSecret, oldSecret] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const port = await freePort();

    const seedLine = substituted(seed!, [
      ['postgres://admin@db.internal:5432/mesh', TEST_POSTGRES_URL],
      ['--grant-to sales', `--grant-to ${login}`],
    ]);
    // Seeding sales into an empty database takes a while; the advisory lock makes a concurrent seed (the Postgres store tests) wait, not collide.
    const seeded = await promisify(execFile)('sh', ['-c', seedLine], { cwd: ROOT });
    expect(seeded.stdout).toContain('stores ready');

    const serveLine = substituted(serve!, [
      ['postgres://sales@db.internal:5432/mesh', asLogin],
      ['<new secret>', newSecret],
      ['<old secret>', oldSecret],
      ['--port 4002', `--port ${port}`],
    ]);
    product = runShellLine(serveLine, { cwd: ROOT });
    expect(await product.waitFor(/serving at (\S+)/)).toBe(`http://0.0.0.0:${port}/graphql`);

    // Both keys are accepted while the old one is rotated out; the answer comes from Postgres.
    const url = `http://127.0.0.1:${port}/graphql`;
    const { version } = loadDescriptor(join(ROOT, 'subgraphs', 'sales', 'product.yaml'));
    for (const secret of [newSecret, oldSecret]) {
      const body = JSON.stringify({ query: '{ orders(first: 1) { totalCount } }' });
      const answer = await postGraphQL(url, body, { [SIGNATURE_HEADER]: signatureHeader(signingKey(secret), 'sales', body) });
      expect(answer.body).toMatchObject({ data: { orders: { totalCount: expect.any(Number) } } });
      expect((answer.body.data as { orders: { totalCount: number } }).orders.totalCount).toBe(Number((await admin.query('SELECT count(*) AS n FROM mg_sales.orders')).rows[0].n));
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ status: 'ok', product: 'sales', version });
  }, 180_000);
});
