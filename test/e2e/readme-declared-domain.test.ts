import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeShellBlocks, runShellLine, substituted } from '../support/readme-shell.ts';
import { copyRepository } from '../support/repository-copy.ts';
import type { CliProcess } from '../support/cli-process.ts';
import { postGraphQL } from '../support/mesh-harness.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The README's "Add a domain" as it leads: a product declared over a table a team already
 * has, its commands run as written in a copy of the repository (the database URL and the
 * gateway's port swapped for a free one): the product's own test passes, and `npm start`
 * serves the table's rows through the gateway with the rest of the mesh.
 */
const [EXPORT, CREATE, CHECK, OWN_TESTS, COMPOSE, START, ...MORE] = readmeShellBlocks('Add a domain')[0] ?? [];
let root: string;
let served: CliProcess | undefined;

describe.runIf(await postgresAvailable())('README: add a domain from an existing table', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS public.suppliers CASCADE;
      CREATE TABLE public.suppliers (id TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT, rating NUMERIC(3, 1), since DATE NOT NULL);
      COMMENT ON TABLE public.suppliers IS 'Suppliers as procurement keeps them.';
      INSERT INTO public.suppliers VALUES ('S1', 'Acme Parts', 'DE', 4.5, '2024-01-02'), ('S2', 'Globex', NULL, NULL, '2024-02-03');`);
    await admin.end();
    root = copyRepository();
  }, 60_000);
  afterAll(async () => {
    await served?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs every command as written: the product is generated, passes check and serves the table', async () => {
    expect(MORE).toEqual([]);
    // The README's export, with this machine's database: every later line reads it from the shell.
    const env = { SUPPLIERS_STORE_URL: TEST_POSTGRES_URL };
    expect(EXPORT).toMatch(/^export SUPPLIERS_STORE_URL=postgres:\/\//);
    const run = async (line: string) => {
      const process = runShellLine(line, { cwd: root, env });
      return { code: await process.exited, output: process.output() };
    };
    const created = await run(CREATE!);
    expect(created.code, created.output).toBe(0);
    const checked = await run(CHECK!);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toMatch(/products pass every rule/);
    // The test new --from wrote, in a vitest of its own in the copy, told nothing of the run it is started from.
    const own = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'FORCE_COLOR'));
    const { stdout } = await promisify(execFile)('sh', ['-c', OWN_TESTS!], { cwd: root, env: { ...own, ...env, NO_COLOR: '1' } }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the generated test failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    expect(stdout).toContain('subgraphs/suppliers/suppliers.test.ts');
    expect(stdout).toMatch(/Tests\s+1 passed/);
    const composed = await run(COMPOSE!);
    expect(composed.code, composed.output).toBe(0);
    // Port 0 for the README's 4000: another process on the machine may hold it.
    served = runShellLine(substituted(START!, [['npm start', 'npm start -- --port 0']]), { cwd: root, env: { ...env, MESHGATE_LOG_LEVEL: 'warn' } });
    const url = await served.waitFor(/meshgate gateway\s+(http:\/\/\S+)/, 60_000);
    const result = await postGraphQL(url, {
      query: '{ suppliers(first: 5, filter: { namePrefix: "Acme" }) { totalCount edges { node { id name rating since } } } supplier(id: "S2") { name country } }',
    });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({
      suppliers: { totalCount: 1, edges: [{ node: { id: 'S1', name: 'Acme Parts', rating: 4.5, since: '2024-01-02' } }] },
      supplier: { name: 'Globex', country: null },
    });
  }, 240_000);
});
