import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCheck } from '../../../schema/contracts/check.ts';
import { composeProducts, readProductInterface } from '../../../schema/contracts/compose.ts';
import { checkDeclaredEngines } from '../../../gateway/cli/declared-engine-check.ts';
import { newFromEngine, type NewFromEngineOptions } from '../../../gateway/cli/new-from-engine.ts';
import { createDataProduct } from '../../../subgraphs/kit/create-data-product.ts';
import { declaredProduct } from '../../../subgraphs/kit/declared/declared-product.ts';
import { copyFixture, TODAY } from '../../contracts/fixture-mesh.ts';
import { closeProducts, startGatewayFor, type MeshHarness, type MeshProducts } from '../../support/mesh-harness.ts';

/**
 * One shop, made on each engine `meshgate new --from` reads: customers; orders with a
 * foreign key to them; order lines keyed by (order, line number); shipments pointing at an
 * order line by that composite key. `shop-orders` is declared over the first three tables,
 * `shop-ship` over shipments, so the composite foreign key crosses products.
 */
export const SHOP_ROWS = {
  customers: [
    ['C1', 'Ada Byron', '2024-01-02'],
    ['C2', 'Grace Hopper', '2024-02-03'],
  ],
  orders: [
    ['O1', 'C2', '2026-01-05', 12.5],
    ['O2', 'C1', '2026-01-06', 99.99],
  ],
  orderLines: [
    ['O1', 1, 'SKU-1', 1],
    ['O1', 2, 'SKU-2', 4],
    ['O2', 1, 'SKU-1', 3],
  ],
  shipments: [
    [1, 'O1', 2, '2026-01-07'],
    [2, 'O2', 1, '2026-01-09'],
    [3, 'O1', 1, null],
  ],
} as const;

const sqlValue = (value: string | number | null) => (value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`);
const insert = (table: string, rows: readonly (readonly (string | number | null)[])[]) => `INSERT INTO ${table} VALUES ${rows.map((row) => `(${row.map(sqlValue).join(', ')})`).join(', ')}`;

/** The shop's statements in SQL every engine here takes; `comment` writes a table comment the engine's way. */
export function shopStatements(comment: (table: string, text: string) => string): string[] {
  return [
    'CREATE TABLE customers (id VARCHAR(10) PRIMARY KEY, full_name VARCHAR(50) NOT NULL, signed_up DATE NOT NULL)',
    comment('customers', 'People who buy from us.'),
    'CREATE TABLE orders (id VARCHAR(10) PRIMARY KEY, customer_id VARCHAR(10) NOT NULL REFERENCES customers (id), placed_on DATE NOT NULL, amount DECIMAL(10, 2) NOT NULL)',
    'CREATE TABLE order_lines (order_id VARCHAR(10) NOT NULL REFERENCES orders (id), line_no INTEGER NOT NULL, sku VARCHAR(20) NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, line_no))',
    'CREATE TABLE shipments (id INTEGER PRIMARY KEY, order_id VARCHAR(10) NOT NULL, line_no INTEGER NOT NULL, shipped_on DATE, FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no))',
    insert('customers', SHOP_ROWS.customers),
    insert('orders', SHOP_ROWS.orders),
    insert('order_lines', SHOP_ROWS.orderLines),
    insert('shipments', SHOP_ROWS.shipments),
  ].filter(Boolean);
}

export interface ShopMesh {
  root: string;
  gateway: MeshHarness;
  close(): Promise<void>;
}

/**
 * Writes both products with `meshgate new --from` into a copy of a fixture mesh, holds them
 * to `meshgate check` (contracts, then the declarations against the engine), and serves
 * them composed through the real gateway. `env` names each product's URL variable, when
 * the engine is reached by one.
 */
export async function newShopMesh(
  from: string,
  options: { schema?: string; env?: Record<string, string>; extra?: Omit<NewFromEngineOptions, 'domain' | 'owner' | 'root' | 'today'> } = {},
): Promise<ShopMesh> {
  const mesh = copyFixture('lifecycle');
  const table = (name: string) => (options.schema ? `${options.schema}.${name}` : name);
  // Set for the products' start, and put back as they were on close or failure: the worker
  // process is shared with other test files.
  const saved = Object.fromEntries(Object.keys(options.env ?? {}).map((key) => [key, process.env[key]]));
  const restoreEnv = () => {
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  };
  Object.assign(process.env, options.env);
  const products: MeshProducts = {};
  try {
    const common = { domain: 'shop', owner: 'shop-data', root: mesh.root, today: TODAY };
    await newFromEngine({ name: 'shop-orders', from, tables: ['customers', 'orders', 'order_lines'].map(table), ...common });
    await newFromEngine({ name: 'shop-ship', from, tables: [table('shipments')], ...common });
    if (options.extra) await newFromEngine({ ...options.extra, ...common });
    const report = await runCheck({ root: mesh.root, today: TODAY });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    const skipped: string[] = [];
    expect(await checkDeclaredEngines(mesh.root, (line) => skipped.push(line))).toEqual([]);
    expect(skipped).toEqual([]);
    const names = ['shop-orders', 'shop-ship', ...(options.extra ? [options.extra.name] : [])];
    const dirs = names.map((name) => join(mesh.root, 'subgraphs', name));
    for (const dir of dirs) {
      const product = await createDataProduct(declaredProduct({ dir }));
      products[product.name] = { product, running: await product.listen({ port: 0 }) };
    }
    const composed = composeProducts(dirs.map((dir) => readProductInterface(dir, 'http://localhost/graphql')));
    if (!composed.ok) throw new Error(composed.errors.join('\n'));
    const file = join(mesh.root, 'supergraph.graphql');
    writeFileSync(file, composed.supergraphSdl);
    const gateway = await startGatewayFor(products, { supergraph: { file } }, {}, () => closeProducts(products));
    return {
      root: mesh.root,
      gateway,
      close: async () => {
        try {
          await gateway.close();
        } finally {
          restoreEnv();
          mesh.remove();
        }
      },
    };
  } catch (error) {
    try {
      await closeProducts(products);
    } finally {
      restoreEnv();
      mesh.remove();
    }
    throw error;
  }
}

/** The cross-product query every engine must answer alike: shipments, their order line by its composite key, its order and customer. */
export async function expectShopAnswers(mesh: ShopMesh): Promise<void> {
  const { gateway } = mesh;
  gateway.clearQueryLogs();
  const result = await gateway.query(`{ shipments(first: 5, orderBy: ID_DESC, filter: { shippedOnFrom: "2026-01-01" }) { totalCount edges { node {
    id shippedOn orderLine { orderId lineNo sku qty order { id amount customer { id fullName signedUp } } } } } } }`);
  expect(result.body.errors).toBeUndefined();
  const shipped = SHOP_ROWS.shipments.filter((s) => s[3] !== null).sort((a, b) => b[0] - a[0]);
  expect(result.body.data.shipments).toEqual({
    totalCount: shipped.length,
    edges: shipped.map(([id, orderId, lineNo, shippedOn]) => {
      const line = SHOP_ROWS.orderLines.find((l) => l[0] === orderId && l[1] === lineNo)!;
      const order = SHOP_ROWS.orders.find((o) => o[0] === orderId)!;
      const customer = SHOP_ROWS.customers.find((c) => c[0] === order[1])!;
      return {
        node: {
          id: String(id),
          shippedOn,
          orderLine: {
            orderId,
            lineNo: String(lineNo),
            sku: line[2],
            qty: line[3],
            order: { id: orderId, amount: order[3], customer: { id: customer[0], fullName: customer[1], signedUp: customer[2] } },
          },
        },
      };
    }),
  });
  // One page in shop-ship; in shop-orders one batch per type per plan level: lines by composite key, orders, customers.
  expect(gateway.statements('shop-ship')).toHaveLength(1);
  expect(gateway.statements('shop-orders')).toHaveLength(3);
  const one = await gateway.query(
    '{ orderLine(orderId: "O1", lineNo: "2") { sku } missing: orderLine(orderId: "O1", lineNo: "9") { sku } orderLines(filter: { skuPrefix: "SKU-1" }, orderBy: KEY_DESC) { edges { node { orderId lineNo } } } }',
  );
  expect(one.body.errors).toBeUndefined();
  expect(one.body.data).toEqual({
    orderLine: { sku: 'SKU-2' },
    missing: null,
    orderLines: { edges: [{ node: { orderId: 'O2', lineNo: '1' } }, { node: { orderId: 'O1', lineNo: '1' } }] },
  });
}
