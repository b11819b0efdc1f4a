import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { introspectionPart } from '../../../gateway/operation/introspection-part.ts';

/** The root introspection of an operation, found wherever the document puts it. */
function partOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const part = introspectionPart(document, operation);
  const reduced = part.document?.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return { ...part, root: reduced ? print(reduced.selectionSet).replace(/\s+/g, ' ') : undefined };
}

describe('introspectionPart', () => {
  it('keeps only root __schema/__type fields, aliases and directives included, with spreads inlined', () => {
    const part = partOf(
      'query ($on: Boolean!) { a { b } t: __type(name: "A") { name } ...F ... on Query @include(if: $on) { __schema { queryType { name } } x } } fragment F on Query { __typename y: __type(name: "B") { name } }',
    );
    expect(part.root).toBe('{ t: __type(name: "A") { name } ... on Query { y: __type(name: "B") { name } } ... on Query @include(if: $on) { __schema { queryType { name } } } }');
    expect(part.responseKeys).toEqual(['t', 'y', '__schema']);
    expect(part.only).toBe(false);
    expect(part.nested).toBe(false);
  });

  it('calls an operation of meta-fields only, through fragments, introspection alone', () => {
    expect(partOf('{ ...F __typename } fragment F on Query { __schema { types { name } } }')).toMatchObject({ only: true, nested: false, responseKeys: ['__schema'] });
  });

  it('has no part for an operation without root introspection', () => {
    expect(partOf('{ a { b } __typename }')).toMatchObject({ document: undefined, responseKeys: [], only: false });
  });

  it('notices introspection below the root, under a field that returns the query type', () => {
    expect(partOf('{ viewer { query { __type(name: "A") { name } } } }').nested).toBe(true);
    expect(partOf('{ viewer { ...Q } } fragment Q on Viewer { query { __schema { types { name } } } }').nested).toBe(true);
  });
});
