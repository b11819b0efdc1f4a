import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/**
 * The production build (`npm run build`) as production runs it: plain `node` on the
 * compiled CLI, no TypeScript loader. A `.ts` import left in the output, or a non-code file
 * (product.yaml, schema.graphql, governance.yaml, a store) looked for next to the compiled
 * code instead of in the sources, fails here.
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
    const gateway = runCompiled(['serve', '--supergraph', 'schema/supergraph.graphql', '--port', '0'], { MESHGATE_SUBGRAPH_URL_CATALOG: productUrl, MESHGATE_LOG_LEVEL: 'warn' });
    const url = await gateway.waitFor(/ready at (http:\/\/\S+)/);

    const result = await postGraphQL(url, { query: '{ product(sku: "SKU-0001") { sku name category } }' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ product: { sku: 'SKU-0001', name: 'Eco Turntable', category: 'Audio' } });
    // Governance and descriptors come from the sources: the catalog lists the products.
    const catalog = (await (await fetch(url.replace(/graphql$/, 'catalog.json'))).json()) as { products: { name: string }[] };
    expect(catalog.products.map((p) => p.name)).toContain('catalog');
    expect(await gateway.stop('SIGTERM')).toBe(0);
  });
});
