import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeProducts, readProductInterface } from '../../../schema/contracts/compose.ts';
import { REPO_ROOT } from '../../../schema/contracts/mesh.ts';
import { createDataProduct } from '../../../subgraphs/kit/create-data-product.ts';
import { declaredProduct } from '../../../subgraphs/kit/declared/declared-product.ts';
import { copyFixture, TODAY } from '../../contracts/fixture-mesh.ts';
import { closeProducts, startGatewayFor, type MeshHarness, type MeshProducts } from '../../support/mesh-harness.ts';
import { postgresAvailable, TEST_POSTGRES_URL } from '../../support/services.ts';
import { expectShopAnswers, newShopMesh, shopStatements, type ShopMesh } from './new-from-shop.ts';

/**
 * `meshgate new --from` on a PostgreSQL schema made here (customers, and orders with a
 * foreign key to them): two generated products that pass `meshgate check` as written,
 * compose, and answer a query crossing them through the real gateway.
 */
const SCHEMA = 'newfrom_shop';
let mesh: { root: string; remove: () => void };
let gateway: MeshHarness | undefined;
const env = { CRM_STORE_URL: TEST_POSTGRES_URL, ORDER_DESK_STORE_URL: TEST_POSTGRES_URL };

function meshgate(args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin/meshgate.js'), ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
}

describe.runIf(await postgresAvailable())('meshgate new --from a PostgreSQL schema', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; SET search_path = ${SCHEMA};
      CREATE TABLE customers (id TEXT PRIMARY KEY, full_name TEXT NOT NULL, country CHAR(2), signed_up DATE NOT NULL);
      COMMENT ON TABLE customers IS 'People who buy from us.';
      COMMENT ON COLUMN customers.full_name IS 'Name as the customer gave it.';
      CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), placed_on DATE NOT NULL, amount NUMERIC(10, 2) NOT NULL, quantity INTEGER NOT NULL, gift BOOLEAN);
      INSERT INTO customers VALUES ('C1', 'Ada Byron', 'GB', '2024-01-02'), ('C2', 'Grace Hopper', 'US', '2024-02-03');
      INSERT INTO orders VALUES ('O1', 'C2', '2026-01-05', 12.50, 1, true), ('O2', 'C1', '2026-01-06', 99.99, 3, NULL), ('O3', 'C2', '2026-02-01', 5, 2, false);`);
    await admin.end();
    mesh = copyFixture('lifecycle');
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    mesh?.remove();
  });

  it('writes declared products from the catalog that pass meshgate check as written', () => {
    for (const [name, table] of [
      ['crm', 'customers'],
      ['order-desk', 'orders'],
    ] as const) {
      const run = meshgate(['new', name, '--from', TEST_POSTGRES_URL, '--table', `${SCHEMA}.${table}`, '--domain', 'shop', '--owner', 'shop-data', '--root', mesh.root]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const crm = readFileSync(join(mesh.root, 'subgraphs', 'crm', 'schema.graphql'), 'utf8');
    expect(crm).toContain('"People who buy from us."\ntype Customer @key(fields: "id") {');
    expect(crm).toContain('"Name as the customer gave it."\n  fullName: String!');
    expect(crm).toContain('  country: String\n');
    const desk = readFileSync(join(mesh.root, 'subgraphs', 'order-desk', 'schema.graphql'), 'utf8');
    expect(desk).toContain('  customer: Customer!');
    expect(desk).toContain('  amount: Float!');
    expect(desk).toContain('  gift: Boolean\n');
    expect(readFileSync(join(mesh.root, 'subgraphs', 'order-desk', 'product.yaml'), 'utf8')).toMatch(/Order\.amount: \{ classification: internal \}[\s\S]*inputPorts:\n {2}- product: crm/);
    const check = meshgate(['check', '--root', mesh.root, '--today', TODAY]);
    expect(check.stdout).toMatch(/meshgate check: 4 products pass every rule/);
    expect(check.status).toBe(0);
  }, 240_000);

  it('serves them, composed, through the real gateway: a query crossing both products', async () => {
    const products: MeshProducts = {};
    const dirs = ['crm', 'order-desk'].map((name) => join(mesh.root, 'subgraphs', name));
    for (const dir of dirs) {
      const product = await createDataProduct(declaredProduct({ dir }), { storeUrl: TEST_POSTGRES_URL });
      products[product.name] = { product, running: await product.listen({ port: 0 }) };
    }
    const composed = composeProducts(dirs.map((dir) => readProductInterface(dir, 'http://localhost/graphql')));
    if (!composed.ok) {
      await closeProducts(products);
      throw new Error(composed.errors.join('\n'));
    }
    const file = join(mesh.root, 'supergraph.graphql');
    writeFileSync(file, composed.supergraphSdl);
    gateway = await startGatewayFor(products, { supergraph: { file } }, {}, () => closeProducts(products));
    gateway.clearQueryLogs();
    const result = await gateway.query('{ orders(first: 10) { totalCount edges { node { id amount quantity gift placedOn customer { id fullName country signedUp } } } } }');
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.orders).toEqual({
      totalCount: 3,
      edges: [
        { node: { id: 'O1', amount: 12.5, quantity: 1, gift: true, placedOn: '2026-01-05', customer: { id: 'C2', fullName: 'Grace Hopper', country: 'US', signedUp: '2024-02-03' } } },
        { node: { id: 'O2', amount: 99.99, quantity: 3, gift: null, placedOn: '2026-01-06', customer: { id: 'C1', fullName: 'Ada Byron', country: 'GB', signedUp: '2024-01-02' } } },
        { node: { id: 'O3', amount: 5, quantity: 2, gift: false, placedOn: '2026-02-01', customer: { id: 'C2', fullName: 'Grace Hopper', country: 'US', signedUp: '2024-02-03' } } },
      ],
    });
    // One page statement in order-desk, one batched customer lookup in crm.
    expect(gateway.statements('order-desk')).toHaveLength(1);
    expect(gateway.statements('crm')).toEqual([expect.stringMatching(/FROM customers WHERE id = ANY\(\$1\)/)]);
  }, 60_000);
});

describe.runIf(await postgresAvailable())('meshgate new --from a PostgreSQL schema with a composite key', () => {
  let shop: ShopMesh | undefined;
  afterAll(async () => {
    await shop?.close();
  });

  it('declares composite keys and a composite foreign key across products, which answer through the gateway', async () => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query('DROP SCHEMA IF EXISTS newfrom_lines CASCADE; CREATE SCHEMA newfrom_lines; SET search_path = newfrom_lines');
    for (const statement of shopStatements((table, text) => `COMMENT ON TABLE ${table} IS '${text}'`)) await admin.query(statement);
    await admin.end();
    shop = await newShopMesh(TEST_POSTGRES_URL, { schema: 'newfrom_lines', env: { SHOP_ORDERS_STORE_URL: TEST_POSTGRES_URL, SHOP_SHIP_STORE_URL: TEST_POSTGRES_URL } });
    expect(readFileSync(join(shop.root, 'subgraphs/shop-orders/schema.graphql'), 'utf8')).toContain('"People who buy from us."\ntype Customer @key(fields: "id") {');
    expect(readFileSync(join(shop.root, 'subgraphs/shop-orders/declared.yaml'), 'utf8')).toContain('key: [order_id, line_no]');
    await expectShopAnswers(shop);
  }, 60_000);
});
