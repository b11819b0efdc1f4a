import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../gateway/access/dev-identity.ts';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/**
 * The production build (`npm run build`) as production runs it: plain `node` on the
 * compiled CLI, no TypeScript loader. A `.ts` import left in the output, or a non-code file
 * (product.yaml, schema.graphql, governance.yaml, a store) looked for next to the compiled
 * code instead of in the sources, fails here. The serve path runs from the build's bundle of
 * it, as production runs it, with the parts it loads on first use (token verification, MCP).
 */
const REPO = resolve(import.meta.dirname, '../..');
let outDir: string;
const processes: CliProcess[] = [];

beforeAll(async () => {
  // Inside the repository, as dist/ is: its package.json makes the output ESM.
  mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
  outDir = mkdtempSync(join(REPO, 'test-artifacts', 'build-'));
  // The build's own config, into a folder of this test's: `npm test` type-checks already,
  // so --noCheck keeps this to emitting (seconds, not a full check).
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--noCheck', '--incremental', 'false', '--sourceMap', 'false'], { cwd: REPO });
  await promisify(execFile)(process.execPath, ['bin/serve-bundle.js', outDir], { cwd: REPO });
}, 120_000);
afterAll(async () => {
  await Promise.all(processes.map((cli) => cli.stop()));
  rmSync(outDir, { recursive: true, force: true });
});

function runCompiled(args: string[], env: Record<string, string> = {}): CliProcess {
  const cli = runCli(args, env, { script: join(outDir, 'gateway/cli/main.js') });
  processes.push(cli);
  return cli;
}

describe('the compiled build', () => {
  it('serves a product and the gateway in front of it, signed, from plain node', async () => {
    const product = runCompiled(['product', 'catalog', '--port', '0']);
    const productUrl = await product.waitFor(/serving at (http:\/\/\S+)/);
    // The gateway's composition root, one of the modules the bundle holds, is gone: `serve` runs from the bundle or not at all.
    rmSync(join(outDir, 'gateway/create-gateway.js'));
    expect(existsSync(join(outDir, 'gateway/cli/serve-path.bundle.js'))).toBe(true);
    const gateway = runCompiled(['serve', '--supergraph', 'schema/supergraph.graphql', '--port', '0'], { MESHGATE_SUBGRAPH_URL_CATALOG: productUrl, MESHGATE_LOG_LEVEL: 'warn' });
    const url = await gateway.waitFor(/ready at (http:\/\/\S+)/);

    const result = await postGraphQL(url, { query: '{ product(sku: "SKU-0001") { sku name category } }' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ product: { sku: 'SKU-0001', name: 'Eco Turntable', category: 'Audio' } });
    // Governance and descriptors come from the sources: the catalog lists the products.
    const catalog = (await (await fetch(url.replace(/graphql$/, 'catalog.json'))).json()) as { products: { name: string }[] };
    expect(catalog.products.map((p) => p.name)).toContain('catalog');

    // Loaded on first use, from the bundle's chunks: token verification, good token and bad.
    const signedIn = await postGraphQL(url, { query: '{ product(sku: "SKU-0001") { sku } }' }, { authorization: `Bearer ${await mintDevToken()}` });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data).toEqual({ product: { sku: 'SKU-0001' } });
    const expired = await postGraphQL(url, { query: '{ product(sku: "SKU-0001") { sku } }' }, { authorization: `Bearer ${await mintDevToken({ hours: -1 })}` });
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.message).toBe('The bearer token has expired');
    // ...and the MCP endpoint, its tools described through the SDK's own zod.
    const client = new Client({ name: 'compiled-build-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url.replace(/graphql$/, 'mcp'))));
    const { tools } = await client.listTools();
    const ran = await client.callTool({ name: 'run_graphql_query', arguments: { query: '{ product(sku: "SKU-0001") { name } }' } });
    await client.close();
    expect(tools.map((tool) => tool.name)).toContain('run_graphql_query');
    expect(tools.every((tool) => tool.inputSchema.type === 'object')).toBe(true);
    expect(ran.isError).toBeFalsy();
    expect(JSON.stringify(ran.content)).toContain('Eco Turntable');
    expect(await gateway.stop('SIGTERM')).toBe(0);
  });
});
