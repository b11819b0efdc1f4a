import type { SeedableStore } from '../../kit/index.ts';
import { categoryOfSku, DEMO_WORLD, productSku } from '../../demo/demo-world.ts';
import { SeededRandom } from '../../demo/seeded-random.ts';

export const SEED_VERSION = 'catalog-2';

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Essential', 'Pro', 'Smart', 'Ultra', 'Vintage', 'Wireless'];
const NOUNS: Record<string, readonly string[]> = {
  Audio: ['Headphones', 'Speaker', 'Soundbar', 'Turntable'],
  Books: ['Cookbook', 'Novel', 'Atlas', 'Field Guide'],
  Cameras: ['Camera', 'Lens', 'Tripod', 'Flash'],
  Computers: ['Laptop', 'Monitor', 'Keyboard', 'Router'],
  Garden: ['Hose', 'Planter', 'Mower', 'Shears'],
  Kitchen: ['Kettle', 'Blender', 'Skillet', 'Knife Set'],
  Sports: ['Racket', 'Yoga Mat', 'Bike Helmet', 'Dumbbell'],
  Toys: ['Puzzle', 'Robot Kit', 'Board Game', 'Plush'],
};

/**
 * Published: `products`, and `product_sustainability` behind a preview field. Internal:
 * `stg_supplier_feed`, the raw supplier price file.
 */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query(`CREATE TABLE products (
    sku VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL, list_price DOUBLE PRECISION NOT NULL,
    stock INTEGER NOT NULL, unit_cost DOUBLE PRECISION NOT NULL)`);
  await store.query('CREATE TABLE stg_supplier_feed (supplier_code VARCHAR, sku VARCHAR, cost_usd DOUBLE PRECISION, received_at VARCHAR)');
  const random = new SeededRandom('catalog');
  const products: (string | number)[][] = [];
  const feed: (string | number)[][] = [];
  for (let i = 0; i < DEMO_WORLD.productCount; i++) {
    const category = categoryOfSku(i);
    const sku = productSku(i);
    const price = random.money(5, 800);
    const cost = Math.round(price * (0.4 + random.next() * 0.3) * 100) / 100;
    const stock = random.next() < 0.08 ? 0 : random.int(1, 500);
    products.push([sku, `${random.pick(ADJECTIVES)} ${random.pick(NOUNS[category]!)}`, category, price, stock, cost]);
    feed.push([`SUP-${random.int(100, 199)}`, sku, cost, DEMO_WORLD.asOfDate]);
  }
  await store.append('products', products);
  await store.append('stg_supplier_feed', feed);
  // Its own random stream, so adding it left every earlier seeded value unchanged.
  await store.query('CREATE TABLE product_sustainability (sku VARCHAR PRIMARY KEY, score INTEGER NOT NULL)');
  const audits = new SeededRandom('catalog-sustainability');
  await store.append(
    'product_sustainability',
    Array.from({ length: DEMO_WORLD.productCount }, (_, i) => [productSku(i), audits.int(20, 95)]),
  );
}
