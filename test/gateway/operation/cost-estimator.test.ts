import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CostEstimates, estimateCost } from '../../../gateway/operation/cost-estimator.ts';
import { readSupergraphModel } from '../../../schema/supergraph/supergraph-model.ts';

/**
 * The cost estimate on a small schema with `@cost` and `@listSize`: the same figures with
 * fragments as written inline, and a fragment fan-out estimated without expanding it.
 */
const SDL = `
  directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!]) on FIELD_DEFINITION
  type Query { orders(first: Int = 10): OrderConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"]) }
  type OrderConnection { edges: [OrderEdge!]! }
  type OrderEdge { node: Order! }
  type Order { id: ID! total: Float @cost(weight: 3) lines: [Line!]! @listSize(assumedSize: 5) }
  type Line { quantity: Int product: Product }
  type Product { name: String }
`;
const schema = buildSchema(SDL);
// Read as the gateway reads a supergraph: one that routes to a product.
const { cost: directives } = readSupergraphModel(`${SDL}\nenum join__Graph { SHOP @join__graph(name: "shop", url: "http://shop") }`);

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return estimateCost({ schema, directives, document, operation, variables, defaultListSize: 10 });
}

describe('estimateCost', () => {
  it('prices lists by their slicing argument, sized fields and assumed sizes, as before', () => {
    // 1 (orders) + 100 edges x (edge 1 + node 1 + 5 assumed lines x (line 1 + product 1))
    expect(cost('{ orders(first: 100) { edges { node { lines { product { name } } } } } }')).toBe(1201);
    expect(cost('query($n: Int) { orders(first: $n) { edges { node { lines { product { name } } } } } }', { n: 10 })).toBe(121);
    // The argument's default, and @cost on a scalar: 1 + 10 x (1 + 1 + 3)
    expect(cost('{ orders { edges { node { id total } } } }')).toBe(51);
  });

  it('gives the same figures through fragments, spread in a sized context or not', () => {
    expect(cost('{ orders(first: 100) { ...Connection } } fragment Connection on OrderConnection { edges { node { ...Order } } } fragment Order on Order { lines { product { name } } }')).toBe(1201);
    // One fragment spread under two sizes: each spread takes its own parent's size.
    expect(cost('{ a: orders(first: 100) { ...Connection } b: orders(first: 2) { ...Connection } } fragment Connection on OrderConnection { edges { node { id } } }')).toBe(1 + 100 * 2 + 1 + 2 * 2);
  });

  it('prices a fragment fan-out (each fragment spreading the next twice) by its 2^n copies without expanding them', () => {
    const n = 40;
    const chain = Array.from({ length: n }, (_, i) => `fragment F${i} on Order { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const query = `{ orders(first: 1) { edges { node { ...F0 } } } } ${chain} fragment F${n} on Order { total }`;
    // 1 (orders) + 1 edge x (edge 1 + node 1 + 2^40 copies of total at 3)
    expect(cost(query)).toBe(1 + 2 + 3 * 2 ** n);
  });
});

describe('CostEstimates: kept per operation only where the estimate reads no variable', () => {
  const operationOf = (query: string) => {
    const document = parse(query);
    return { document, operation: document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')! };
  };

  it("a slicing argument given as a variable is priced with each request's value", () => {
    const estimates = new CostEstimates();
    const { document, operation } = operationOf('query($n: Int) { orders(first: $n) { edges { node { lines { product { name } } } } } }');
    const priced = (n: number) => estimates.estimate({ schema, directives, document, operation, variables: { n }, defaultListSize: 10 });
    expect(priced(10)).toBe(121);
    expect(priced(100)).toBe(1201);
    expect(priced(10)).toBe(121);
  });

  it('a variable the estimate does not read leaves it the same for every request of the operation', () => {
    const estimates = new CostEstimates();
    const { document, operation } = operationOf('query($flag: Boolean!) { orders(first: 2) { edges { node { id total @include(if: $flag) } } } }');
    const fresh = (flag: boolean) => estimateCost({ schema, directives, document, operation, variables: { flag }, defaultListSize: 10 });
    for (const flag of [true, false, true]) expect(estimates.estimate({ schema, directives, document, operation, variables: { flag }, defaultListSize: 10 })).toBe(fresh(flag));
  });

  it("a new supergraph's directives are priced afresh", () => {
    const estimates = new CostEstimates();
    const { document, operation } = operationOf('{ orders(first: 2) { edges { node { id total } } } }');
    expect(estimates.estimate({ schema, directives, document, operation, variables: {}, defaultListSize: 10 })).toBe(1 + 2 * (1 + 1 + 3));
    const heavier = readSupergraphModel(`${SDL.replace('@cost(weight: 3)', '@cost(weight: 30)')}\nenum join__Graph { SHOP @join__graph(name: "shop", url: "http://shop") }`).cost;
    expect(estimates.estimate({ schema, directives: heavier, document, operation, variables: {}, defaultListSize: 10 })).toBe(1 + 2 * (1 + 1 + 30));
  });
});

describe('a slicing argument given as a variable with a default', () => {
  it('is priced with the default when the variable is left out, as the executor runs it', () => {
    const written = '{ orders(first: 100000) { edges { node { id } } } }';
    const defaulted = 'query($n: Int = 100000) { orders(first: $n) { edges { node { id } } } }';
    expect(cost(written)).toBe(1 + 100000 * 2);
    expect(cost(defaulted)).toBe(cost(written));
    expect(cost(defaulted, { n: 3 })).toBe(1 + 3 * 2);
    const document = parse(defaulted);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const estimates = new CostEstimates();
    expect(estimates.estimate({ schema, directives, document, operation, variables: {}, defaultListSize: 10 })).toBe(cost(written));
    expect(estimates.estimate({ schema, directives, document, operation, variables: { n: 3 }, defaultListSize: 10 })).toBe(1 + 3 * 2);
  });
});
