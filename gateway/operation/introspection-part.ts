import { BREAK, Kind, visit, type DocumentNode, type OperationDefinitionNode, type SelectionNode, type SelectionSetNode } from 'graphql';
import { memoByPair } from '../primitives/pair-memo.ts';
import { fragmentsOf, memoizeByDocument, memoizeByFragment } from './document-memo.ts';

/** What of an operation introspection answers: `__schema` and `__type`, valid only on the query type. */
export interface IntrospectionPart {
  /**
   * The document with the operation cut down to its root `__schema`/`__type` fields, found
   * through inline fragments and fragment spreads (inlined, with their directives), aliases
   * kept; executed on its own it answers exactly those response keys. Undefined when the
   * operation selects none at its root.
   */
  readonly document: DocumentNode | undefined;
  /** Response keys of those fields (alias or name). */
  readonly responseKeys: readonly string[];
  /** Every root field is a meta-field (`__schema`, `__type`, `__typename`): no product is asked. */
  readonly only: boolean;
  /**
   * `__schema` or `__type` is selected below the root, under a field that returns the
   * query type again. Such an answer cannot be swapped at the root.
   */
  readonly nested: boolean;
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** {@link IntrospectionPart} of `operation`, a definition of `document`; kept per document and operation. */
export const introspectionPart: (document: DocumentNode, operation: OperationDefinitionNode) => IntrospectionPart = memoByPair((document, operation) => analyse(document, operation));

function analyse(document: DocumentNode, operation: OperationDefinitionNode): IntrospectionPart {
  const fragments = fragmentsOf(document);
  const responseKeys: string[] = [];
  let only = true;
  let nested = false;
  // Whether a selection set selects `__schema`/`__type` at any depth.
  const deep: (name: string) => boolean = memoizeByFragment(document, (fragment) => selectsIntrospection(fragment.selectionSet), false);
  const selectsIntrospection = (set: SelectionSetNode): boolean =>
    set.selections.some((s) =>
      s.kind === Kind.FIELD
        ? INTROSPECTION_FIELDS.has(s.name.value) || (s.selectionSet !== undefined && selectsIntrospection(s.selectionSet))
        : s.kind === Kind.INLINE_FRAGMENT
          ? selectsIntrospection(s.selectionSet)
          : deep(s.name.value),
    );
  // The root selection set reduced to its introspection fields; spreads are inlined, so a
  // fragment spread at the root and elsewhere is reduced only where it is at the root.
  const reduce = (set: SelectionSetNode, seen: ReadonlySet<string>): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (!name.startsWith('__')) only = false;
        if (INTROSPECTION_FIELDS.has(name)) {
          kept.push(selection);
          responseKeys.push(selection.alias?.value ?? name);
        } else if (selection.selectionSet && selectsIntrospection(selection.selectionSet)) {
          nested = true;
        }
        continue;
      }
      const from = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      // An unknown or cyclic spread fails validation; nothing is reduced from it.
      if (!from || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
      const inner = reduce(from.selectionSet, selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, selection.name.value]) : seen);
      if (inner.selections.length > 0) kept.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: from.typeCondition, directives: selection.directives, selectionSet: inner });
    }
    return { kind: Kind.SELECTION_SET, selections: kept };
  };
  const root = reduce(operation.selectionSet, new Set());
  const reduced: OperationDefinitionNode = { ...operation, selectionSet: root };
  return {
    // The fragments stay: the kept fields' own selections may spread them.
    document: root.selections.length === 0 ? undefined : { kind: Kind.DOCUMENT, definitions: [reduced, ...fragments.values()] },
    responseKeys,
    only,
    nested,
  };
}

/** Whether the document asks for `__schema` or `__type`; walked once per document. */
export const usesIntrospection: (document: DocumentNode) => boolean = memoizeByDocument(findIntrospection);

function findIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (INTROSPECTION_FIELDS.has(node.name.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
