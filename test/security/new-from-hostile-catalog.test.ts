import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFromEngine } from '../../gateway/cli/new-from-engine.ts';
import { checkDeclaredEngines } from '../../gateway/cli/declared-engine-check.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { declaredProduct } from '../../subgraphs/kit/declared/declared-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { copyFixture, TODAY } from '../contracts/fixture-mesh.ts';

/**
 * Names `meshgate new --from` reads from an engine's catalog are the team's, not ours: a
 * table or column named with quotes, a semicolon or non-ASCII letters is refused with
 * CONFIG_INVALID naming it, before a file is written; one named with a reserved word is
 * declared and quoted wherever the SQL names it.
 */
const folder = mkdtempSync(join(tmpdir(), 'meshgate-hostile-catalog-'));
const file = join(folder, 'hostile.duckdb');
let mesh: { root: string; remove: () => void };

beforeAll(async () => {
  const store = await DuckDbStore.open(file, { readOnly: false });
  for (const statement of [
    'CREATE TABLE "group" ("key" VARCHAR PRIMARY KEY, "order" INTEGER NOT NULL, "from" DATE)',
    `INSERT INTO "group" VALUES ('g1', 2, '2026-01-02'), ('g2', 5, NULL)`,
    `CREATE TABLE quoted (id VARCHAR PRIMARY KEY, "x""; DROP TABLE quoted; --" VARCHAR)`,
    'CREATE TABLE accents (id VARCHAR PRIMARY KEY, "café" VARCHAR)',
    `CREATE TABLE "t'; SELECT 1; --" (id VARCHAR PRIMARY KEY)`,
  ])
    await store.query(statement);
  await store.close();
  mesh = copyFixture('lifecycle');
});
afterAll(() => {
  mesh?.remove();
  rmSync(folder, { recursive: true, force: true });
});

const create = (name: string, tables: string[]) => newFromEngine({ name, from: file, tables, domain: 'd', owner: 'o', root: mesh.root, today: TODAY });

describe('meshgate new --from, names from a hostile catalog', () => {
  it.each([
    ['a column named with a quote and a semicolon', 'quoted', /quoted\."x\\"; DROP TABLE quoted; --": a column name meshgate cannot declare/],
    ['a column named with a non-ASCII letter', 'accents', /accents\."café": a column name meshgate cannot declare/],
    ['a table named with a quote and a semicolon', "t'; SELECT 1; --", /--table: "t'; SELECT 1; --" is not a table name meshgate can declare/],
  ])('refuses %s with CONFIG_INVALID, writing nothing', async (_, table, message) => {
    const refused = await create('hostile-one', [table]).then(
      () => undefined,
      (error: { code?: string; problems?: string[] }) => error,
    );
    expect(refused?.code).toBe('CONFIG_INVALID');
    expect(refused?.problems?.join('\n')).toMatch(message);
    expect(() => readFileSync(join(mesh.root, 'subgraphs/hostile-one/declared.yaml'))).toThrow();
  });

  it('declares reserved words and quotes them in every statement it runs', async () => {
    await create('groups', ['group']);
    expect(readFileSync(join(mesh.root, 'subgraphs/groups/declared.yaml'), 'utf8')).toContain('from: { table: group }');
    expect(await checkDeclaredEngines(mesh.root, () => undefined)).toEqual([]);
    const key = { id: 'test', secret: Buffer.from('groups test key') };
    const product = await createDataProduct(declaredProduct({ dir: join(mesh.root, 'subgraphs/groups') }), { signingKeys: [key] });
    const running = await product.listen({ port: 0 });
    try {
      const body = JSON.stringify({ query: '{ groupList(filter: { orderMin: 3 }, orderBy: KEY_DESC) { edges { node { key order from } } } group(key: "g1") { order from } }' });
      const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(key, 'groups', body) }, body });
      expect(await response.json()).toEqual({ data: { groupList: { edges: [{ node: { key: 'g2', order: 5, from: null } }] }, group: { order: 2, from: '2026-01-02' } } });
      expect(product.store.log.statements.join('\n')).toMatch(/FROM "group" WHERE "key" = ANY\(\$1\)/);
    } finally {
      await running.close();
      await product.close();
    }
  });
});
