import mysql from 'mysql2/promise';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mysqlAvailable, TEST_MYSQL_URL } from '../../support/services.ts';
import { expectShopAnswers, newShopMesh, shopStatements, type ShopMesh } from './new-from-shop.ts';

/**
 * `meshgate new --from` on the machine's MariaDB (or MySQL): the shop's catalog read from
 * information_schema (columns, primary and foreign keys, comments), in a database of its own.
 */
const target = new URL(TEST_MYSQL_URL);
target.pathname = `/${target.pathname.slice(1)}_newfrom`;
const URL_OF_SHOP = target.toString();
let shop: ShopMesh | undefined;

afterAll(async () => {
  await shop?.close();
});

describe.runIf(await mysqlAvailable(URL_OF_SHOP))('meshgate new --from a MariaDB database', () => {
  it('declares the shop with its composite keys, passes check against the engine and answers through the gateway', async () => {
    const admin = await mysql.createConnection({ uri: URL_OF_SHOP });
    try {
      for (const table of ['shipments', 'order_lines', 'orders', 'customers']) await admin.query(`DROP TABLE IF EXISTS ${table}`);
      for (const statement of shopStatements((table, text) => `ALTER TABLE ${table} COMMENT = '${text}'`)) await admin.query(statement);
      await admin.query("ALTER TABLE customers MODIFY full_name VARCHAR(50) NOT NULL COMMENT 'Name as the customer gave it.'");
    } finally {
      await admin.end();
    }
    shop = await newShopMesh(URL_OF_SHOP, { env: { SHOP_ORDERS_STORE_URL: URL_OF_SHOP, SHOP_SHIP_STORE_URL: URL_OF_SHOP } });
    const sdl = readFileSync(join(shop.root, 'subgraphs/shop-orders/schema.graphql'), 'utf8');
    expect(sdl).toContain('"People who buy from us."\ntype Customer @key(fields: "id") {');
    expect(sdl).toContain('"Name as the customer gave it."\n  fullName: String!');
    expect(sdl).toContain('type OrderLine @key(fields: "orderId lineNo") {');
    expect(readFileSync(join(shop.root, 'subgraphs/shop-ship/declared.yaml'), 'utf8')).toContain('orderLine: { reference: OrderLine, columns: [order_id, line_no] }');
    await expectShopAnswers(shop);
  }, 60_000);
});
