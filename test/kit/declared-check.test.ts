import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../schema/contracts/mesh.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { declaredProduct } from '../../subgraphs/kit/declared/declared-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { copyFixture, TODAY } from '../contracts/fixture-mesh.ts';
import { createShopTables, FIXTURE_DIR } from '../fixtures/declared-shop/shop-data.ts';

/**
 * A declaration that names a column its engine lacks fails `meshgate check` and the
 * product's start, each with DECLARATION_MISMATCH and the path, column and table in one line.
 */
let mesh: { root: string; remove: () => void };
let product: string;

beforeAll(async () => {
  mesh = copyFixture('lifecycle');
  product = join(mesh.root, 'subgraphs', 'shop-people');
  cpSync(join(FIXTURE_DIR, 'people'), product, { recursive: true });
  mkdirSync(join(product, 'store'));
  const store = await DuckDbStore.open(join(product, 'store', 'shop-people.duckdb'), { readOnly: false });
  await createShopTables(store);
  await store.close();
  // A column the table does not have: `joined` is spelt `joined_on`.
  writeFileSync(join(product, 'declared.yaml'), readFileSync(join(product, 'declared.yaml'), 'utf8').replace('key: id', 'key: id\n    fields:\n      joined: joined_on'));
});
afterAll(() => mesh?.remove());

function check(): { status: number | null; findings: { product: string; element: string; rule: string; code: string; message: string }[] } {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/meshgate.js'), 'check', '--root', mesh.root, '--json', '--today', TODAY], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, findings: JSON.parse(run.stdout).findings };
}

describe('a declaration out of step with its engine', () => {
  it('fails meshgate check with DECLARATION_MISMATCH naming the path, column and table', () => {
    const { status, findings } = check();
    expect(status).toBe(1);
    expect(findings.filter((f) => f.product === 'shop-people' && f.rule.startsWith('declaration/'))).toEqual([
      {
        product: 'shop-people',
        element: 'types.Person.fields.joined',
        rule: 'declaration/engine-mismatch',
        code: 'DECLARATION_MISMATCH',
        message: 'types.Person.fields.joined: table people has no column joined_on',
        fix: expect.stringContaining('declared.yaml'),
      },
    ]);
  });

  it('refuses to start with the same words', async () => {
    const store = await DuckDbStore.open(join(product, 'store', 'shop-people.duckdb'));
    try {
      await expect(createDataProduct(declaredProduct({ dir: product }), { store })).rejects.toMatchObject({
        code: 'DECLARATION_MISMATCH',
        problems: ['types.Person.fields.joined: table people has no column joined_on'],
      });
    } finally {
      await store.close();
    }
  });

  it('fails meshgate check with DECLARATION_INVALID when it names a field the schema lacks', () => {
    writeFileSync(join(product, 'declared.yaml'), readFileSync(join(product, 'declared.yaml'), 'utf8').replace('joined: joined_on', 'joinedOn: joined'));
    const { findings } = check();
    expect(findings.filter((f) => f.product === 'shop-people' && f.rule.startsWith('declaration/'))).toEqual([
      {
        product: 'shop-people',
        element: 'types.Person.fields.joinedOn',
        rule: 'declaration/invalid',
        code: 'DECLARATION_INVALID',
        message: 'types.Person.fields.joinedOn: is not a field of Person (got "joinedOn")',
        fix: expect.stringContaining('declared.yaml'),
      },
    ]);
  });
});
