import type { BenchSubgraph } from '../lib/serve-subgraph.ts';

/**
 * A mesh of `products` made-up products, for measuring how a gateway grows with the mesh:
 * the same seed always gives the same SDL, data and queries, so two gateways, two runs or two
 * machines are asked the same thing.
 *
 * Each product has about fifteen types, the size of a real product's interface:
 * - {@link OWN_TYPES} entity types of its own (`@key(fields: "id")`), each with scalars, an
 *   enum and a link to the next of its own types (answered by the product alone);
 * - its enum;
 * - {@link REFERENCES} foreign entities it points at by key (`resolvable: false`), so the
 *   gateway fetches their fields from their owners: the cross-product keys;
 * - {@link EXTENSIONS} foreign entities it adds a field to that `@requires` the owner's
 *   `amount`, as a derived product computes from its inputs' published fields.
 * Every product's first type points at a type some product extends, so every generated
 * query crosses products and needs `@requires`.
 */
export interface SyntheticMesh {
  seed: number;
  subgraphs: BenchSubgraph[];
  /** One query per product, rooted at its list of its first type; variables `$first`, `$offset`. */
  queries: SyntheticQuery[];
}

export interface SyntheticQuery {
  /** The product whose list the query starts from. */
  product: string;
  query: string;
  /** Variables for the `n`th request: no two `n` give the same. */
  variables(n: number): { first: number; offset: number };
}

export const OWN_TYPES = 9;
export const REFERENCES = 3;
export const EXTENSIONS = 2;
/** Rows a generated query asks for; small, so a request costs the gateway more than the products. */
const FIRST = 3;
/**
 * Rows of each type a list walks through: its offset wraps around them. Every request is still
 * its own to the gateway (its variables), while the products answer the fetches behind it
 * mostly from their memo, so the run measures the gateways, not the products.
 */
const ROWS = 64;
const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])';
const KINDS = ['ALPHA', 'BETA', 'GAMMA'] as const;

/** A foreign type: product `owner`'s `index`th type. */
interface TypeRef {
  owner: number;
  index: number;
}

interface Plan {
  /** What each of a product's first {@link REFERENCES} types points at. */
  references: TypeRef[];
  extensions: TypeRef[];
}

export function productName(i: number): string {
  return `p${String(i).padStart(3, '0')}`;
}

function typeName(ref: TypeRef): string {
  return `P${String(ref.owner).padStart(3, '0')}T${ref.index}`;
}

/** The field product `extender` adds to a foreign type it extends. */
function derivedField(extender: number): string {
  return `${productName(extender)}Derived`;
}

/** mulberry32: a small, fast, seeded generator; Math.random cannot be seeded. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number from a type's name and a row's id: the row's data, the same on every call. */
function hash(type: string, id: string): number {
  let h = 2166136261;
  for (const c of `${type}:${id}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function row(type: string, id: string): Record<string, unknown> {
  const h = hash(type, id);
  return { id, label: `${type} ${id}`, amount: h % 1000, ratio: (h % 100) / 100, active: h % 2 === 0, kind: KINDS[h % KINDS.length] };
}

/** The rule a derived field follows: the owner's amount it requires, turned by the extender's number. */
export function derivedValue(extender: number, amount: number): number {
  return amount * 3 + extender;
}

function plan(products: number, seed: number): Plan[] {
  if (!Number.isInteger(products) || products < 2) throw new TypeError(`a synthetic mesh needs at least 2 products (got ${products})`);
  const next = random(seed);
  const foreign = (i: number, taken: Set<string>): TypeRef => {
    for (;;) {
      const ref = { owner: (i + 1 + Math.floor(next() * (products - 1))) % products, index: Math.floor(next() * OWN_TYPES) };
      if (taken.has(typeName(ref))) continue;
      taken.add(typeName(ref));
      return ref;
    }
  };
  // Extensions first: every product's first reference then points at a type someone extends.
  const plans = Array.from({ length: products }, (_, i) => {
    const taken = new Set<string>();
    return { references: [] as TypeRef[], extensions: Array.from({ length: EXTENSIONS }, () => foreign(i, taken)), taken };
  });
  const extended = plans.flatMap((p) => p.extensions);
  return plans.map((p, i) => {
    const candidates = extended.filter((ref) => ref.owner !== i);
    const first = candidates[Math.floor(next() * candidates.length)]!;
    p.taken.add(typeName(first));
    const references = [first, ...Array.from({ length: REFERENCES - 1 }, () => foreign(i, p.taken))];
    return { references, extensions: p.extensions };
  });
}

function productSubgraph(i: number, own: Plan): BenchSubgraph {
  const name = productName(i);
  const mine = (index: number) => typeName({ owner: i, index });
  const kind = `${mine(0).slice(0, 4)}Kind`;
  const sdl: string[] = [FEDERATION, `enum ${kind} { ${KINDS.join(' ')} }`];
  const query: string[] = [`${name}T0List(first: Int!, offset: Int!): [${mine(0)}!]!`];
  const resolvers: Record<string, Record<string, unknown>> = { Query: {} };
  const queryResolvers = resolvers.Query!;
  queryResolvers[`${name}T0List`] = (_: unknown, { first, offset }: { first: number; offset: number }) =>
    Array.from({ length: Math.min(first, 50) }, (_, n) => row(mine(0), String((offset + n) % ROWS)));

  for (let index = 0; index < OWN_TYPES; index++) {
    const type = mine(index);
    const fields = ['id: ID!', 'label: String!', 'amount: Int!', 'ratio: Float!', 'active: Boolean!', `kind: ${kind}!`];
    const fieldResolvers: Record<string, unknown> = { __resolveReference: ({ id }: { id: string }) => row(type, id) };
    if (index + 1 < OWN_TYPES) {
      fields.push(`next: ${mine(index + 1)}!`);
      fieldResolvers.next = ({ id }: { id: string }) => row(mine(index + 1), String((hash(type, id) % 997) + 1));
    }
    const reference = own.references[index];
    if (reference) {
      fields.push(`ref: ${typeName(reference)}!`);
      fieldResolvers.ref = ({ id }: { id: string }) => ({ id: String(hash(`${type}.ref`, id) % 997) });
    }
    sdl.push(`type ${type} @key(fields: "id") { ${fields.join(' ')} }`);
    resolvers[type] = fieldResolvers;
    query.push(`${name}T${index}(id: ID!): ${type}`);
    queryResolvers[`${name}T${index}`] = (_: unknown, { id }: { id: string }) => row(type, id);
  }

  const extended = new Set(own.extensions.map(typeName));
  for (const ref of own.extensions) {
    const derived = derivedField(i);
    sdl.push(`type ${typeName(ref)} @key(fields: "id") { id: ID! amount: Int! @external ${derived}: Int! @requires(fields: "amount") }`);
    resolvers[typeName(ref)] = { __resolveReference: (reference: { id: string; amount?: number }) => reference, [derived]: ({ amount }: { amount: number }) => derivedValue(i, amount) };
  }
  // A type this product both points at and extends is declared once, with its extension's fields.
  for (const ref of own.references) if (!extended.has(typeName(ref))) sdl.push(`type ${typeName(ref)} @key(fields: "id", resolvable: false) { id: ID! }`);
  sdl.push(`type Query { ${query.join(' ')} }`);
  return { name, sdl: sdl.join('\n'), resolvers: resolvers as BenchSubgraph['resolvers'] };
}

/** Which products add a derived field to `ref`, in product order. */
function extendersOf(ref: TypeRef, plans: readonly Plan[]): number[] {
  return plans.flatMap((p, i) => (p.extensions.some((e) => e.owner === ref.owner && e.index === ref.index) ? [i] : []));
}

function productQuery(i: number, plans: readonly Plan[]): SyntheticQuery {
  const name = productName(i);
  const scalars = 'id label amount kind';
  const target = plans[i]!.references[0]!;
  const derived = extendersOf(target, plans).map(derivedField).join(' ');
  // Two hops away from the root: the referenced type's owner points on again.
  const onward = plans[target.owner]!.references[target.index];
  const second = onward ? ` ref { id label ${extendersOf(onward, plans).map(derivedField).join(' ')} }` : '';
  const query = `query ${name.toUpperCase()}List($first: Int!, $offset: Int!) { ${name}T0List(first: $first, offset: $offset) { ${scalars} ratio active next { ${scalars} next { id label } } ref { ${scalars} ${derived}${second} } } }`;
  return { product: name, query, variables: (n) => ({ first: FIRST, offset: n * FIRST }) };
}

export function syntheticMesh(products: number, seed = 28): SyntheticMesh {
  const plans = plan(products, seed);
  return {
    seed,
    subgraphs: plans.map((own, i) => productSubgraph(i, own)),
    queries: plans.map((_, i) => productQuery(i, plans)),
  };
}
