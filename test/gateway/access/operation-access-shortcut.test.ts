import { buildSchema, parse, type DocumentNode, type OperationDefinitionNode, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { FieldAccess } from '../../../gateway/access/field-access.ts';
import { enforceOperationAccess } from '../../../gateway/access/operation-access.ts';
import { pruneOperation } from '../../../gateway/access/operation-pruning.ts';

/**
 * The access check skips pruning when every field an operation reads is allowed (those fields
 * kept per operation). It must cut exactly what pruning cuts: for no refusal, each single
 * refused coordinate and each pair, on operations with abstract types, fragments, aliases,
 * introspection, two operations and @defer, asked across callers on the same operation objects.
 */
const schema = buildSchema(`
  interface Node { id: ID! secret: String }
  type Customer implements Node { id: ID! secret: String churnRisk: Float orders: [Order!]! }
  type Order implements Node { id: ID! secret: String total: Float customer: Customer }
  union Thing = Customer | Order
  type Query { node(id: ID!): Node things: [Thing!]! customer: Customer order: Order }
`);
const COORDINATES = [
  'Query.node',
  'Query.things',
  'Query.customer',
  'Query.order',
  'Node.id',
  'Node.secret',
  'Customer.id',
  'Customer.secret',
  'Customer.churnRisk',
  'Customer.orders',
  'Order.id',
  'Order.secret',
  'Order.total',
  'Order.customer',
];
const DOCUMENTS = [
  '{ node(id: 1) { id secret ... on Customer { churnRisk } ...O } } fragment O on Order { total customer { churnRisk } }',
  '{ things { __typename ... on Customer { a: churnRisk orders { t: total } } ... on Order { customer { ...C } } } } fragment C on Customer { churnRisk secret }',
  'query A { customer { id } } query B($s: Boolean!) { customer @skip(if: $s) { churnRisk @include(if: $s) orders { ... @defer { total } } } }',
  '{ __typename __schema { types { name } } customer { ... { ... on Node { secret } } } }',
];

function requestContext(document: DocumentNode, operation: OperationDefinitionNode) {
  return { schema, document, operation, request: { variables: { s: false } }, contextValue: { principal: { authenticated: true, scopes: new Set() } } } as never;
}

describe('operation access shortcut', () => {
  it('cuts exactly what pruning cuts, for every refused coordinate and pair', () => {
    const documents = DOCUMENTS.map((text) => parse(text));
    const refusalSets = [[], ...COORDINATES.map((c) => [c]), ...COORDINATES.flatMap((a, i) => COORDINATES.slice(i + 1).map((b) => [a, b]))];
    for (const refused of refusalSets) {
      const access = { exposures: new Map(), refusal: (c: string) => (refused.includes(c) ? 'is refused' : null) } as unknown as FieldAccess;
      for (const document of documents) {
        for (const operation of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')) {
          const expected = pruneOperation(schema, document, operation, access.refusal as never).denied.map((d) => d.coordinate);
          const context = requestContext(document, operation) as { document: DocumentNode };
          const denied = enforceOperationAccess(context as never, access, 'filter').map((d) => d.coordinate);
          expect(denied, `${refused.join(',')} on ${print(operation)}`).toEqual(expected);
          if (expected.length === 0) expect(context.document).toBe(document);
        }
      }
    }
  });
});
