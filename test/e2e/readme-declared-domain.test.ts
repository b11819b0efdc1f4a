import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeShellBlocks, runShellLine, substituted } from '../support/readme-shell.ts';
import { copyRepository } from '../support/repository-copy.ts';
import type { CliProcess } from '../support/cli-process.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * The README's "Add a domain" as it leads: a product declared over a table a team already
 * has, its commands run as written in a copy of the repository (the database URL and the
 * port swapped for this machine's), ending with the product serving the table's rows.
 */
const [EXPORT, CREATE, CHECK, SERVE, ...MORE] = readmeShellBlocks('Add a domain')[0] ?? [];
let root: string;
let served: CliProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
    const port = await freePort();
    served = runShellLine(substituted(SERVE!, [['4010', String(port)]]), { cwd: root, env });
    const url = await served.waitFor(/suppliers 1\.0\.0 serving at (http:\/\/\S+)/, 60_000);
    const health = await fetch(url.replace('/graphql', '/health'));
    expect(await health.json()).toMatchObject({ status: 'ok', product: 'suppliers', version: '1.0.0' });
  }, 240_000);
});
