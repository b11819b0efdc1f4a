import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import { memoByPair } from '../primitives/pair-memo.ts';

/**
 * Per-document analyses computed once per distinct operation instead of once per request.
 * Apollo Server caches parsed documents by query text, so a repeated query arrives as the
 * same DocumentNode object; an analysis that is a pure function of the document (and the
 * schema it is read against) is kept beside it in a WeakMap and dies with it. A document
 * the access rules pruned is a new object per request and is simply analysed afresh.
 */
export function memoizeByDocument<T>(analyse: (document: DocumentNode) => T): (document: DocumentNode) => T {
  const results = new WeakMap<DocumentNode, T>();
  return (document) => {
    if (results.has(document)) return results.get(document)!;
    const result = analyse(document);
    results.set(document, result);
    return result;
  };
}

/** {@link memoizeByDocument} for an analysis that also reads the schema (a reload brings a new one). */
export function memoizeBySchemaAndDocument<T>(analyse: (schema: GraphQLSchema, document: DocumentNode) => T): (schema: GraphQLSchema, document: DocumentNode) => T {
  return memoByPair(analyse);
}

/**
 * The document's fragment definitions by name: the one map every walker of the document
 * (limits, selection count, cost, field walk, access pruning) reads, built once per document.
 * With a name defined twice (invalid; the guards run before validation) the last one wins.
 */
export const fragmentsOf: (document: DocumentNode) => ReadonlyMap<string, FragmentDefinitionNode> = memoizeByDocument((document) => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
});

/**
 * An analysis of fragments by name, each fragment analysed once however often it is
 * spread: a walk that followed every spread would pay for a fragment spread twice at every
 * level 2^levels times. A name that is unknown, or spread inside its own analysis (a cycle:
 * invalid, but the guards run before validation), gets `nothing` and is not recursed into.
 */
export function memoizeByFragment<T>(document: DocumentNode, analyse: (fragment: FragmentDefinitionNode) => T, nothing: T): (name: string) => T {
  const fragments = fragmentsOf(document);
  const results = new Map<string, T>();
  const analysing = new Set<string>();
  return (name) => {
    if (results.has(name)) return results.get(name)!;
    const fragment = fragments.get(name);
    if (!fragment || analysing.has(name)) return nothing;
    analysing.add(name);
    const result = analyse(fragment);
    analysing.delete(name);
    results.set(name, result);
    return result;
  };
}
