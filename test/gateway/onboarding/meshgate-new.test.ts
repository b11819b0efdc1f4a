import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../../support/cli-process.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * `meshgate new` end to end, the way a domain team joins the mesh: scaffold a product in
 * a copy of the repository, compose, check, `meshgate start`, and query the new product
 * through the gateway together with an existing one.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const SKIPPED = new Set(['node_modules', '.git', 'test-artifacts', '.meshgate', '.scratch', 'dist']);
let root: string;
let started: CliProcess | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'meshgate-new-'));
  // The demo stores come along (already seeded by the global setup), node_modules is shared.
  cpSync(REPO, root, { recursive: true, filter: (source) => !SKIPPED.has(basename(source)) });
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
});
afterAll(async () => {
  await started?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const process = runCli(args, {}, { cwd: root });
  const code = await process.exited;
  return { code, output: process.output() };
}

describe('meshgate new', () => {
  it('scaffolds a product that composes, passes check and is served through the gateway', async () => {
    const created = await cli(['new', 'shipments', '--domain', 'logistics', '--owner', 'logistics-data']);
    expect(created.code, created.output).toBe(0);
    expect(readFileSync(join(root, 'subgraphs/shipments/product.yaml'), 'utf8')).toContain('domain: logistics');
    expect(readFileSync(join(root, 'schema/published/shipments/schema.graphql'), 'utf8')).toContain('type ShipmentsRecord');

    const composed = await cli(['compose']);
    expect(composed.code, composed.output).toBe(0);
    expect(readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8')).toContain('SHIPMENTS');

    const checked = await cli(['check']);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain('6 products pass every rule');

    started = runCli(['start', '--port', '0'], { MESHGATE_LOG_LEVEL: 'warn' }, { cwd: root });
    const url = await started.waitFor(/meshgate gateway\s+(http:\/\/\S+)/, 60_000);
    const result = await postGraphQL(url, { query: '{ shipmentsRecord(id: "SHIPMENT-0003") { id name updatedOn } product(sku: "SKU-0001") { sku } }' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ shipmentsRecord: { id: 'SHIPMENT-0003', name: 'Shipments 3', updatedOn: '2026-06-04' }, product: { sku: 'SKU-0001' } });
  });

  it('refuses a name that is not kebab-case or already taken, naming the problem', async () => {
    const bad = await cli(['new', 'Bad_Name', '--domain', 'x', '--owner', 'y']);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('must be a product name in kebab-case');
    const taken = await cli(['new', 'sales', '--domain', 'x', '--owner', 'y']);
    expect(taken.code).toBe(1);
    expect(taken.output).toContain('subgraphs/sales already exists');
  });
});
