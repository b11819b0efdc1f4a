import type { SeedableStore } from '../../kit/index.ts';
import { addDays, categoryOfSku, customerId, daysBetween, DEMO_WORLD, orderId, productSku } from '../../demo/demo-world.ts';
import { SeededRandom } from '../../demo/seeded-random.ts';

export const SEED_VERSION = 'sales-1';

/** USD per unit of each currency; one rate per currency keeps the demo reproducible. */
const FX: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27 };
const CURRENCIES: readonly (readonly [string, number])[] = [
  ['USD', 55],
  ['EUR', 30],
  ['GBP', 15],
];
const STATUSES: readonly (readonly [string, number])[] = [
  ['DELIVERED', 70],
  ['SHIPPED', 10],
  ['PLACED', 8],
  ['CANCELLED', 7],
  ['RETURNED', 5],
];

const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * Published: `orders`, `order_lines` (with the category the SKU had when sold, which sales
 * records itself). Internal: `fx_rates`, `price_list` and `stg_pos_events`, the raw
 * point-of-sale feed orders are built from.
 */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query(`CREATE TABLE orders (
    id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, order_date DATE NOT NULL, status VARCHAR NOT NULL,
    currency VARCHAR NOT NULL, total DOUBLE PRECISION NOT NULL, total_usd DOUBLE PRECISION NOT NULL, margin_usd DOUBLE PRECISION NOT NULL)`);
  await store.query(`CREATE TABLE order_lines (
    order_id VARCHAR NOT NULL, line_number INTEGER NOT NULL, sku VARCHAR NOT NULL, category VARCHAR NOT NULL,
    quantity INTEGER NOT NULL, unit_price DOUBLE PRECISION NOT NULL, amount DOUBLE PRECISION NOT NULL)`);
  await store.query('CREATE TABLE fx_rates (currency VARCHAR PRIMARY KEY, usd_per_unit DOUBLE PRECISION NOT NULL)');
  await store.query('CREATE TABLE price_list (sku VARCHAR PRIMARY KEY, price_usd DOUBLE PRECISION NOT NULL, cost_usd DOUBLE PRECISION NOT NULL)');
  await store.query('CREATE TABLE stg_pos_events (event_id INTEGER, order_id VARCHAR, payload VARCHAR)');

  await store.append('fx_rates', Object.entries(FX));
  const random = new SeededRandom('sales');
  const prices: [string, number, number][] = [];
  for (let i = 0; i < DEMO_WORLD.productCount; i++) {
    const price = random.money(5, 800);
    prices.push([productSku(i), price, cents(price * (0.45 + random.next() * 0.3))]);
  }
  await store.append('price_list', prices);

  const span = daysBetween(DEMO_WORLD.firstOrderDate, DEMO_WORLD.asOfDate);
  const orders: (string | number)[][] = [];
  const lines: (string | number)[][] = [];
  const events: (string | number)[][] = [];
  for (let i = 0; i < DEMO_WORLD.orderCount; i++) {
    const id = orderId(i);
    const currency = random.weighted(CURRENCIES);
    const rate = FX[currency]!;
    const lineCount = random.int(1, 4);
    let total = 0;
    let marginUsd = 0;
    for (let line = 1; line <= lineCount; line++) {
      const productIndex = random.int(0, DEMO_WORLD.productCount - 1);
      const [sku, priceUsd, costUsd] = prices[productIndex]!;
      const quantity = random.int(1, 5);
      const unitPrice = cents(priceUsd / rate);
      const amount = cents(unitPrice * quantity);
      total += amount;
      marginUsd += (priceUsd - costUsd) * quantity;
      lines.push([id, line, sku, categoryOfSku(productIndex), quantity, unitPrice, amount]);
    }
    total = cents(total);
    const orderDate = addDays(DEMO_WORLD.firstOrderDate, random.int(0, span));
    orders.push([id, customerId(random.int(0, DEMO_WORLD.customerCount - 1)), orderDate, random.weighted(STATUSES), currency, total, cents(total * rate), cents(marginUsd)]);
    if (i % 10 === 0) events.push([i, id, JSON.stringify({ terminal: `POS-${random.int(1, 40)}`, raw: true })]);
  }
  await store.append('orders', orders);
  await store.append('order_lines', lines);
  await store.append('stg_pos_events', events);
}
