import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMesh } from '../../../schema/contracts/mesh.ts';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { runCli, type CliProcess } from '../../support/cli-process.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';
import { readmeShellBlocks, runShellLine, substituted } from '../../support/readme-shell.ts';
import { copyRepository } from '../../support/repository-copy.ts';

/**
 * The README's "Add a domain", its commands as written, the way a domain team joins the
 * mesh: in a copy of the repository, `meshgate new` a product under a name no one has
 * picked (for the README's `shipments`), compose, `npm start` and query it through the
 * gateway, check; then run, in that copy, the product's own tests and every test that
 * lists the mesh's products. Those must hold whatever products the mesh has, so a team
 * that follows the README keeps a green suite.
 */
// The section's second block: its first declares a product from a table (test/e2e/readme-declared-domain.test.ts).
const [CREATE, COMPOSE, START, OWN_TESTS, CHECK, ...MORE] = readmeShellBlocks('Add a domain')[1] ?? [];
let root: string;
let name: string;
let started: CliProcess | undefined;

/** A kebab-case product name the mesh does not have, different on every run. */
function unusedProductName(mesh: string): string {
  const word = () => Array.from({ length: 6 }, () => String.fromCharCode(97 + randomInt(26))).join('');
  for (;;) {
    const candidate = `${word()}-${word()}`;
    if (!existsSync(join(mesh, 'subgraphs', candidate))) return candidate;
  }
}

beforeAll(() => {
  root = copyRepository();
  name = unusedProductName(root);
});
afterAll(async () => {
  await started?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A README command line run to its end in the copy, as a reader pastes it. */
async function shell(line: string): Promise<{ code: number | null; output: string }> {
  const run = runShellLine(line, { cwd: root });
  const code = await run.exited;
  return { code, output: run.output() };
}

async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const process = runCli(args, {}, { cwd: root });
  const code = await process.exited;
  return { code, output: process.output() };
}

describe('meshgate new', () => {
  it('scaffolds a product that composes, passes check and is served through the gateway', async () => {
    const productsBefore = loadMesh(root).products.length;
    expect(MORE).toEqual([]);
    // The optional contact is given, as a team would.
    const created = await shell(
      substituted(CREATE!, [
        ['shipments', name],
        ['[--contact team@corp.example]', '--contact team@corp.example'],
      ]),
    );
    expect(created.code, created.output).toBe(0);
    expect(readFileSync(join(root, `subgraphs/${name}/product.yaml`), 'utf8')).toContain('contact: team@corp.example');
    // What the product serves, as `meshgate new` reports it: "created NAME (Type; Query.one, Query.list)".
    const [, type, one, list] = /\((\w+); Query\.(\w+), Query\.(\w+)\)/.exec(created.output) ?? [];
    expect(type, created.output).toBeDefined();
    expect(readFileSync(join(root, `subgraphs/${name}/product.yaml`), 'utf8')).toContain('domain: logistics');
    expect(readFileSync(join(root, `schema/published/${name}/schema.graphql`), 'utf8')).toContain(`type ${type}`);

    const composed = await shell(COMPOSE!);
    expect(composed.code, composed.output).toBe(0);
    expect(readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8')).toContain(name.replace(/-/g, '_').toUpperCase());

    // Port 0 for the README's 4000: another process on the machine may hold it.
    started = runShellLine(substituted(START!, [['npm start', 'npm start -- --port 0']]), { cwd: root, env: { MESHGATE_LOG_LEVEL: 'warn' } });
    const url = await started.waitFor(/meshgate gateway\s+(http:\/\/\S+)/, 60_000);
    const listed = await postGraphQL(url, { query: `{ ${list}(first: 3) { id name updatedOn } }` });
    expect(listed.body.errors).toBeUndefined();
    const records = listed.body.data[list!] as { id: string; name: string; updatedOn: string }[];
    expect(records.map((r) => r.id)).toEqual([expect.stringMatching(/-0001$/), expect.stringMatching(/-0002$/), expect.stringMatching(/-0003$/)]);
    // One record by id, together with an existing product's data in the same query.
    const sku = (await postGraphQL(url, { query: '{ products(first: 1) { edges { node { sku } } } }' })).body.data.products.edges[0].node.sku as string;
    const result = await postGraphQL(url, { query: `{ ${one}(id: "${records[2]!.id}") { id name updatedOn } product(sku: "${sku}") { sku } }` });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ [one!]: records[2], product: { sku } });
    await started.stop();
    started = undefined;

    const checked = await shell(CHECK!);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain(`${productsBefore + 1} products pass every rule`);
  }, 180_000); // five CLI processes, each loading the TypeScript sources anew

  // The longest test here: a vitest in the copy seeds the new store and starts two meshes and a browser.
  it("then passes its own tests and every test that lists the mesh's products, in that copy", async () => {
    // The README's command for the product's own tests, with the mesh-wide tests added to the same run.
    // check-cli is left out: the first test ran `meshgate check` on this copy and counted its products.
    const others = [
      'test/contracts/supergraph-up-to-date.test.ts',
      'test/gateway/catalog/catalog-data.test.ts',
      'test/gateway/catalog/catalog-browser.test.ts',
      'test/kit/demo-mesh.test.ts',
      'test/house',
    ];
    // A vitest of its own in the copy, told nothing of the run it is started from.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'FORCE_COLOR'));
    let output: string;
    try {
      const line = `${substituted(OWN_TESTS!, [['subgraphs/shipments', `subgraphs/${name}`]])} ${others.join(' ')}`;
      ({ stdout: output } = await promisify(execFile)('sh', ['-c', line], { cwd: root, env: { ...env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 }));
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`tests failed in the copy with ${name} added:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    }
    expect(output).toContain(`subgraphs/${name}/${name}.test.ts`);
    expect(output).toMatch(/Test Files\s+\d+ passed/);
    expect(output).not.toMatch(/\bfailed\b/);
  }, 240_000);

  it('refuses a name that is not kebab-case or already taken, naming the problem', async () => {
    const bad = await cli(['new', 'Bad_Name', '--domain', 'x', '--owner', 'y']);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('must be a product name in kebab-case');
    const existing = DEMO_MESH[0]!.name;
    const taken = await cli(['new', existing, '--domain', 'x', '--owner', 'y']);
    expect(taken.code).toBe(1);
    expect(taken.output).toContain(`subgraphs/${existing} already exists`);
  });
});
