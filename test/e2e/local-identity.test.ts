import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { closeProducts, postGraphQL, startProducts, type MeshProducts } from '../support/mesh-harness.ts';

/**
 * One local identity: every local command in development uses the one development identity
 * of the user (`$MESHGATE_HOME`), not one per working directory. A token minted by
 * `meshgate token` in one folder is trusted by `meshgate serve` started in another, and that
 * gateway's signatures are accepted by products started elsewhere (here, by the test, with
 * the same home). Production refuses a gateway that could verify no token.
 */
const REPO = resolve(import.meta.dirname, '../..');
const MESHGATE = join(REPO, 'bin/meshgate.js');
/** A restricted field: an anonymous caller gets FORBIDDEN_FIELD, the development token (pii:read) reads it. */
const RESTRICTED = '{ customer(id: "C00042") { id name } }';

let products: MeshProducts;
let work: string;
const processes: CliProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshgate-identity-'));
  products = await startProducts();
});

afterAll(async () => {
  await Promise.all(processes.map((cli) => cli.stop()));
  if (products) await closeProducts(products);
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliProcess {
  const child = runCli(args, env, { cwd, script: MESHGATE });
  processes.push(child);
  return child;
}

const subgraphUrlEnv = () => Object.fromEntries(Object.entries(products).map(([name, p]) => [`MESHGATE_SUBGRAPH_URL_${name.toUpperCase().replaceAll('-', '_')}`, p.running.url]));

describe('one development identity per user, whatever the folder', () => {
  it('a token minted in one folder is trusted by `meshgate serve` in another, and its products accept the gateway', async () => {
    const tokenDir = mkdtempSync(join(work, 'token-'));
    const minted = cli(['token'], tokenDir);
    expect(await minted.exited).toBe(0);
    const token = minted.output().trim().split('\n').at(-1)!;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const serve = cli(['serve', '--supergraph', join(REPO, 'schema', 'supergraph.graphql'), '--port', '0'], gatewayDir, { ...subgraphUrlEnv(), MESHGATE_LOG_LEVEL: 'warn' });
    const url = await serve.waitFor(/gateway ready at (http:\/\/\S+)/);
    const anonymous = await postGraphQL(url, { query: RESTRICTED });
    expect(anonymous.body.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN_FIELD');
    const signedIn = await postGraphQL(url, { query: RESTRICTED }, { authorization: `Bearer ${token}` });
    expect(signedIn.body.errors).toBeUndefined();
    expect((signedIn.body.data as { customer: { name: string } }).customer.name).toEqual(expect.any(String));
  });

  it('a production gateway that can verify no token and serves no anonymous caller refuses to start, in one line', async () => {
    const gatewayDir = mkdtempSync(join(work, 'production-'));
    const serve = cli(['serve', '--supergraph', join(REPO, 'schema', 'supergraph.graphql'), '--port', '0'], gatewayDir, {
      ...subgraphUrlEnv(),
      NODE_ENV: 'production',
      MESHGATE_SIGNING_SECRET: 'a production mesh secret, 32 chars',
    });
    expect(await serve.exited).toBe(1);
    const lines = serve.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^AUTH_NOT_CONFIGURED: this production gateway can verify no bearer token and serves no anonymous caller/);
  });

  it('`meshgate token` refuses to mint in production', async () => {
    const minted = cli(['token'], work, { NODE_ENV: 'production' });
    expect(await minted.exited).toBe(1);
    expect(minted.output()).toMatch(/CONFIG_INVALID: meshgate token mints development tokens only/);
  });
});
