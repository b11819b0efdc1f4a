import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { devSigningSecret } from '../../schema/protocol/signing-keys.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { postGraphQL, startMesh, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * The supergraph is the whole contract: a production gateway started from an empty folder,
 * with nothing but the composed supergraph and a config (no product.yaml, no
 * governance.yaml beside it), refuses to a token without scopes exactly what the gateway
 * inside the repository refuses. And a supergraph with a field nobody classified is refused,
 * at start and on reload, while the last good one keeps serving.
 */
const REPO = resolve(import.meta.dirname, '../..');
const MESHGATE = join(REPO, 'bin/meshgate.js');
const SUPERGRAPH = readFileSync(join(REPO, 'schema/supergraph.graphql'), 'utf8');
/** One classified field with no other access directive: without its marker, nobody decided about it. */
const CLASSIFIED_LINE = 'stock: Int! @join__field(graph: CATALOG) @meshgate__classified(level: "internal")';
const UNCLASSIFIED = SUPERGRAPH.replace(CLASSIFIED_LINE, 'stock: Int! @join__field(graph: CATALOG)');

let mesh: MeshHarness;
let dir: string;
const processes: CliProcess[] = [];

beforeAll(async () => {
  // The products run in this process, on the development secret they derive their keys from;
  // the production gateway is given the same secret, as an operator would give it.
  mesh = await startMesh();
  dir = mkdtempSync(join(tmpdir(), 'meshgate-empty-cwd-'));
}, 60_000);
afterAll(async () => {
  await Promise.all(processes.map((cli) => cli.stop()));
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `meshgate serve --config FILE` in production from `dir`, which holds only the supergraph and the config. */
function serveFromEmptyDir(supergraph: string, config: Record<string, unknown> = {}): CliProcess {
  writeFileSync(join(dir, 'supergraph.graphql'), supergraph);
  const subgraphUrls = Object.fromEntries(Object.entries(mesh.products).map(([name, p]) => [name, p.running.url]));
  writeFileSync(join(dir, 'meshgate.json'), JSON.stringify({ port: 0, supergraph: { file: 'supergraph.graphql' }, subgraphUrls, auth: mesh.auth, ...config }));
  // The products run in development on the test home's development secret (MESHGATE_HOME); this production gateway is given it.
  const secret = devSigningSecret();
  const cli = runCli(['serve', '--config', 'meshgate.json'], { NODE_ENV: 'production', MESHGATE_SIGNING_SECRET: secret, MESHGATE_LOG_LEVEL: 'warn' }, { cwd: dir, script: MESHGATE });
  processes.push(cli);
  return cli;
}

const QUERIES = [
  // restricted (Customer.name) and confidential (averageOrderValueUsd) beside internal fields
  '{ customer(id: "C00042") { id segment name averageOrderValueUsd } }',
  // a confidential field of another product, reached through an entity
  '{ customer(id: "C00042") { orders(first: 1) { edges { node { id total } } } } }',
  // a confidential root field
  '{ revenueByCurrency(from: "2025-01-01", to: "2025-03-31") { currency revenueUsd } }',
  // a policy (customer-data-steward) compiled from governance into the supergraph
  '{ customer(id: "C00042") { id churnRisk } }',
  // a filter that exposes a field a signed-in caller without scopes may read
  '{ customers(first: 2, filter: { country: "DE" }) { totalCount } }',
];

describe('a production gateway started from an empty folder', () => {
  it('refuses confidential and restricted fields to a token without scopes, exactly as the gateway in the repository', async () => {
    const cli = serveFromEmptyDir(SUPERGRAPH);
    const url = await cli.waitFor(/ready at (http:\/\/\S+)/, 90_000);
    const token = await mesh.token({ scope: '' });
    for (const query of QUERIES) {
      const outside = await postGraphQL(url, { query }, { authorization: `Bearer ${token}` });
      const inside = await mesh.query(query, undefined, { authorization: `Bearer ${token}` });
      const shape = (r: typeof outside) => ({ status: r.status, data: r.body.data, errors: r.body.errors?.map((e) => [e.extensions?.code, e.message, e.path]) });
      expect(shape(outside), query).toEqual(shape(inside));
    }
    const first = await postGraphQL(url, { query: QUERIES[0] }, { authorization: `Bearer ${token}` });
    expect(first.body.data).toEqual({ customer: null });
    expect(first.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['FORBIDDEN_FIELD', ['customer', 'name']],
      ['FORBIDDEN_FIELD', ['customer', 'averageOrderValueUsd']],
    ]);
    const total = await postGraphQL(url, { query: QUERIES[1] }, { authorization: `Bearer ${token}` });
    expect(total.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['FORBIDDEN_FIELD', ['customer', 'orders', 'edges', 0, 'node', 'total']]]);
    const revenue = await postGraphQL(url, { query: QUERIES[2] }, { authorization: `Bearer ${token}` });
    expect(revenue.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN_FIELD']);
    const policy = await postGraphQL(url, { query: QUERIES[3] }, { authorization: `Bearer ${token}` });
    expect(policy.body.errors?.map((e) => e.message)).toEqual(['Not authorized to read Customer.churnRisk: it falls under policy "customer-data-steward", which requires scope pii:read']);
    // And the same caller with the scopes reads them: refusals are decisions, not a broken gateway.
    const analyst = await mesh.token({ scope: 'pii:read finance:read' });
    const allowed = await postGraphQL(url, { query: QUERIES[0] }, { authorization: `Bearer ${analyst}` });
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data.customer).toMatchObject({ id: 'C00042', name: expect.any(String), averageOrderValueUsd: expect.any(Number) });
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('refuses to start on a supergraph with an unclassified served field, naming the field and the switch', async () => {
    const cli = serveFromEmptyDir(UNCLASSIFIED);
    expect(await cli.exited).toBe(1);
    const line = cli
      .output()
      .split('\n')
      .find((l) => l.startsWith('SUPERGRAPH_INVALID:'));
    expect(line).toContain('Product.stock');
    expect(line).toContain('access.allowUnclassifiedFields: true');
  }, 120_000);

  it('refuses the same supergraph on hot reload and keeps serving the last good one', async () => {
    // The refused reload's error is an operator's detail: /ready shows it only when asked to.
    const cli = serveFromEmptyDir(SUPERGRAPH, { readiness: { details: true } });
    const url = await cli.waitFor(/ready at (http:\/\/\S+)/, 90_000);
    const file = join(dir, 'supergraph.graphql');
    writeFileSync(`${file}.tmp`, UNCLASSIFIED);
    renameSync(`${file}.tmp`, file);
    await cli.waitFor(/(SUPERGRAPH_INVALID: refused supergraph.*Product\.stock.*)/, 30_000);
    let ready: any;
    for (let i = 0; i < 100 && !ready?.supergraph?.refused; i++, await sleep(50)) ready = await (await fetch(url.replace(/graphql$/, 'ready'))).json();
    expect(ready.status).toBe('ready');
    expect(ready.supergraph.refused.error).toContain('access.allowUnclassifiedFields');
    const analyst = await mesh.token({ scope: 'pii:read finance:read' });
    const served = await postGraphQL(url, { query: '{ product(sku: "SKU-0001") { sku stock } }' }, { authorization: `Bearer ${analyst}` });
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data.product).toEqual({ sku: 'SKU-0001', stock: expect.any(Number) });
    expect(await cli.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
