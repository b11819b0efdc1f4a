import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../../subgraphs/kit/duckdb-store.ts';
import { expectShopAnswers, newShopMesh, SHOP_ROWS, shopStatements, type ShopMesh } from './new-from-shop.ts';

/**
 * `meshgate new --from` on DuckDB: the shop in a database file of its own making (catalog
 * from duckdb_columns and duckdb_constraints), and one more product over a Parquet file
 * exported from it, whose key is named with --key since a file has none.
 */
const folder = mkdtempSync(join(tmpdir(), 'meshgate-newfrom-duckdb-'));
const file = join(folder, 'shop.duckdb');
let shop: ShopMesh | undefined;

afterAll(async () => {
  await shop?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('meshgate new --from a DuckDB file and a Parquet file', () => {
  it('declares the shop and the file, passes check against the engine and answers through the gateway', async () => {
    const store = await DuckDbStore.open(file, { readOnly: false });
    for (const statement of shopStatements((table, text) => `COMMENT ON TABLE ${table} IS '${text}'`)) await store.query(statement);
    await store.query(`COPY (SELECT id AS sku, 'Part ' || id AS title, price FROM (VALUES ('SKU-1', 2.5), ('SKU-2', 7.25)) t(id, price)) TO '${join(folder, 'skus.parquet')}' (FORMAT parquet)`);
    await store.close();
    shop = await newShopMesh(file, { extra: { name: 'shop-skus', from: join(folder, 'skus.parquet'), tables: ['skus'], keys: ['sku'] } });
    expect(readFileSync(join(shop.root, 'subgraphs/shop-orders/declared.yaml'), 'utf8')).toMatch(/^engine: \{ kind: duckdb, file: ".+shop\.duckdb" \}$/m);
    expect(readFileSync(join(shop.root, 'subgraphs/shop-skus/declared.yaml'), 'utf8')).toMatch(/^engine: \{ kind: duckdb, files: \{ skus: ".+skus\.parquet" \} \}$/m);
    await expectShopAnswers(shop);
    const skus = await shop.gateway.query('{ skus(filter: { priceMin: 5 }) { totalCount edges { node { sku title price } } } sku(sku: "SKU-1") { title } }');
    expect(skus.body.errors).toBeUndefined();
    expect(skus.body.data).toEqual({ skus: { totalCount: 1, edges: [{ node: { sku: 'SKU-2', title: 'Part SKU-2', price: 7.25 } }] }, sku: { title: 'Part SKU-1' } });
    expect(SHOP_ROWS.orderLines.map((line) => line[2])).toContain('SKU-2');
  }, 60_000);
});
