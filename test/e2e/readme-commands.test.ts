import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadDescriptor } from '../../schema/descriptor.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { PostgresStore, postgresNamesOf } from '../../subgraphs/kit/postgres-store.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The shell commands of the README's "Run a single product" section, run as written (through
 * `npx` and `curl`, as a reader pastes them), on a free port instead of the README's, which
 * another process on the machine may hold. The other README commands are run by other tests:
 * `npm start` by test/e2e/npm-start.test.ts, `meshgate serve --supergraph` and the
 * `MESHGATE_SUBGRAPH_URL_*` overrides by test/e2e/serve-foreign-supergraph.test.ts.
 * The Postgres commands of "Running in production" run here too, against the test server.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ROOT = new URL('../..', import.meta.url).pathname;

/** The commands of the first `sh` block under `heading`, a line ending in `\` joined with the next, as a shell reads them. */
function shellScript(heading: string): string[] {
  const section = new RegExp(`^## ${heading}\n([\\s\\S]*?)(?=^## )`, 'm').exec(README)?.[1] ?? '';
  const block = /^```sh\n([\s\S]*?)^```/m.exec(section)?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** `command` with each README literal replaced, failing when the README no longer says it: the test runs what the README shows. */
function substituted(command: string, replacements: [readme: string, here: string][]): string {
  return replacements.reduce((text, [readme, here]) => {
    expect(text, `README command should contain ${readme}`).toContain(readme);
    return text.split(readme).join(here);
  }, command);
}

/** Starts a shell command line in its own process group (so afterEach stops npx and the CLI under it), resolving on `ready` in its output. */
async function startCommand(line: string, ready: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('sh', ['-c', line], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  product = child;
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready}" within 60 s:\n${output}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, output: () => output };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let product: ChildProcess | undefined;
afterEach(async () => {
  // npx runs the CLI as its child: the process group, started for this test, goes together.
  if (product?.pid !== undefined && product.exitCode === null) {
    const exited = new Promise((resolve) => product!.once('exit', resolve));
    process.kill(-product.pid, 'SIGTERM');
    await exited;
  }
  product = undefined;
});

describe('README: Run a single product', () => {
  it('npx meshgate product <name> --port <port> serves the product, and curl <port>/health answers for it', async () => {
    const [serve, curl, ...rest] = shellScript('Run a single product');
    expect(rest).toEqual([]);
    const served = /^npx meshgate product (\S+) --port (\d+)$/.exec(serve ?? '');
    const health = /^curl localhost:(\d+)\/health$/.exec(curl ?? '');
    expect(served, serve).not.toBeNull();
    expect(health, curl).not.toBeNull();
    expect(health![1]).toBe(served![2]);

    const name = served![1]!;
    const port = String(await freePort());
    const args = serve!.replace(`--port ${served![2]}`, `--port ${port}`).split(' ');
    product = spawn(args[0]!, args.slice(1), { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    product.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    product.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "serving at" within 60 s:\n${output}`)), 60_000);
      product!.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
      product!.stdout!.on('data', () => {
        if (output.includes('serving at')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(output).toContain(`serving at http://127.0.0.1:${port}/graphql`);

    const curlArgs = curl!.replace(`localhost:${health![1]}`, `localhost:${port}`).split(' ');
    const { stdout } = await promisify(execFile)(curlArgs[0]!, [...curlArgs.slice(1), '--silent', '--fail']);
    const { version } = loadDescriptor(join(ROOT, 'subgraphs', name, 'product.yaml'));
    expect(JSON.parse(stdout)).toEqual({ status: 'ok', product: name, version });
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
    const [seed, serve, ...rest] = shellScript('Running in production');
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
    const started = await startCommand(serveLine, 'serving at');
    expect(started.output()).toContain(`:${port}/graphql`);

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
