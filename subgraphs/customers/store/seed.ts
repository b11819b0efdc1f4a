import type { SeedableStore } from '../../kit/index.ts';
import { addDays, customerId, daysBetween, DEMO_WORLD } from '../../demo/demo-world.ts';
import { SeededRandom } from '../../demo/seeded-random.ts';

export const SEED_VERSION = 'customers-2';

const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Farah',
  'Gus',
  'Hana',
  'Ivan',
  'Jun',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Uma',
  'Vik',
  'Wen',
  'Yara',
  'Zoe',
];
const LAST_NAMES = [
  'Adams',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jansen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Novak',
  'Okafor',
  'Patel',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Walsh',
];
const COUNTRIES: readonly (readonly [string, number])[] = [
  ['US', 30],
  ['DE', 15],
  ['GB', 15],
  ['FR', 12],
  ['NL', 8],
  ['SE', 6],
  ['JP', 8],
  ['BR', 6],
];
const SEGMENTS: readonly (readonly [string, number])[] = [
  ['CONSUMER', 70],
  ['SMB', 22],
  ['ENTERPRISE', 8],
];

/**
 * `customers` is the published table. `stg_crm_contacts` is the raw CRM export, with contact
 * details that are never published: it exists to prove the product boundary holds.
 */
export async function seed(store: SeedableStore): Promise<void> {
  await store.query(`CREATE TABLE customers (
    id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, segment VARCHAR NOT NULL, country VARCHAR NOT NULL,
    signup_date DATE NOT NULL, lead_score INTEGER NOT NULL)`);
  await store.query(`CREATE TABLE stg_crm_contacts (
    customer_id VARCHAR NOT NULL, email VARCHAR NOT NULL, phone VARCHAR NOT NULL, raw_source VARCHAR NOT NULL)`);
  const random = new SeededRandom('customers');
  // Customers sign up over the four years before the first order, so no order predates its customer.
  const firstSignup = addDays(DEMO_WORLD.firstOrderDate, -4 * 365);
  const signupSpan = daysBetween(firstSignup, addDays(DEMO_WORLD.firstOrderDate, -1));
  const customers: (string | number)[][] = [];
  const contacts: string[][] = [];
  for (let i = 0; i < DEMO_WORLD.customerCount; i++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const id = customerId(i);
    customers.push([id, `${first} ${last}`, random.weighted(SEGMENTS), random.weighted(COUNTRIES), addDays(firstSignup, random.int(0, signupSpan)), random.int(0, 100)]);
    contacts.push([id, `${first}.${last}.${i}@example.com`.toLowerCase(), `+1-555-${String(random.int(0, 9999)).padStart(4, '0')}`, 'crm-export-v3']);
  }
  await store.append('customers', customers);
  await store.append('stg_crm_contacts', contacts);
}
