import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLNonNull,
  GraphQLSchema,
  GraphQLString,
  BREAK,
  Kind,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { fragmentsOf, memoizeByDocument } from '../operation/document-memo.ts';

/** The values `@skip`/`@include`/`@defer(if:)` read, by variable name. */
type Variables = Readonly<Record<string, unknown>>;

/**
 * One `@defer` fragment of an operation, named as Apollo's planner names the deferred block it
 * becomes: the response keys from the root to the object it is on, and its label.
 */
export interface DeferredFragment {
  /** `JSON.stringify([path, label])`: what a plan's DeferredNode is matched by. */
  readonly key: string;
  readonly path: readonly string[];
  readonly label: string | undefined;
  /** 1 for a `@defer` outside any other, 2 inside one, … */
  readonly depth: number;
  /** The response keys the fragment selects itself (a deferred part carries exactly these). */
  readonly keys: readonly string[];
}

export function deferredFragmentKey(path: readonly string[], label: string | undefined): string {
  return JSON.stringify([path, label ?? null]);
}

/** A DeferredNode's query path as response keys: type conditions (`... on T`) are not steps. */
export function responseKeysOf(queryPath: readonly string[]): string[] {
  return queryPath.filter((element) => !element.startsWith('... on '));
}

/** The variables with the operation's boolean defaults filled in, as the planner's conditions read them. */
function withDefaults(operation: OperationDefinitionNode, variables: Variables): Variables {
  let values: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables[name] !== undefined || definition.defaultValue?.kind !== Kind.BOOLEAN) continue;
    values ??= { ...variables };
    values[name] = definition.defaultValue.value;
  }
  return values ?? variables;
}

/** Variables `@defer(if:)` reads: the executor decides the plan's conditions on them, defaults applied. */
export function deferConditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== 'defer') return;
      for (const argument of directive.arguments ?? []) if (argument.name.value === 'if' && argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
    },
  });
  return [...names];
}

function deferDirective(directives: readonly DirectiveNode[] | undefined, variables: Variables): { label: string | undefined } | undefined {
  const directive = directives?.find((d) => d.name.value === 'defer');
  if (!directive) return undefined;
  const condition = directive.arguments?.find((a) => a.name.value === 'if')?.value;
  // `if: false` (literal or variable) means not deferred: the fields arrive with the rest.
  if (condition?.kind === Kind.BOOLEAN && !condition.value) return undefined;
  if (condition?.kind === Kind.VARIABLE && variables[condition.name.value] === false) return undefined;
  const label = directive.arguments?.find((a) => a.name.value === 'label')?.value;
  return { label: label?.kind === Kind.STRING ? label.value : undefined };
}

/** Response keys a selection set selects directly (through non-deferred fragments). */
function ownKeys(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Variables, seen: Set<string>, out: Set<string>): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) out.add(selection.alias?.value ?? selection.name.value);
    else if (!deferDirective(selection.directives, variables)) {
      const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      if (!inner || (name && seen.has(name))) continue;
      if (name) seen.add(name);
      ownKeys(inner, fragments, variables, seen, out);
    }
  }
}

/** Whether a document has any `@defer` at all: most have none, and are then not walked per request. */
const usesDefer = memoizeByDocument((document) => {
  let found = false;
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== 'defer') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
});

/** Every `@defer` fragment of the operation, in document order (named fragments followed where they are spread). */
export function deferredFragments(document: DocumentNode, operation: OperationDefinitionNode, given: Variables): DeferredFragment[] {
  if (!usesDefer(document)) return [];
  const fragments = fragmentsOf(document);
  const variables = withDefaults(operation, given);
  const found: DeferredFragment[] = [];
  const walk = (set: SelectionSetNode, path: string[], depth: number, visiting: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.selectionSet) walk(selection.selectionSet, [...path, selection.alias?.value ?? selection.name.value], depth, visiting);
        continue;
      }
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
      if (!inner || (name && visiting.has(name))) continue;
      const deferred = deferDirective(selection.directives, variables);
      const next = new Set(visiting);
      if (name) next.add(name);
      if (deferred) {
        const keys = new Set<string>();
        ownKeys(inner, fragments, variables, new Set(), keys);
        found.push({ key: deferredFragmentKey(path, deferred.label), path, label: deferred.label, depth: depth + 1, keys: [...keys] });
      }
      walk(inner, path, deferred ? depth + 1 : depth, next);
    }
  };
  walk(operation.selectionSet, [], 0, new Set());
  return found;
}

/**
 * The operation as it is answered once the deferred fragments in `delivered` have arrived:
 * every other `@defer` fragment is left out (its fields are not fetched yet, and a result
 * shape must not read them as nulls). Named fragments are inlined, so that a fragment
 * spread in two places is decided at each. `@skip`/`@include` stay for the result shape.
 */
export function operationDeliveredSoFar(document: DocumentNode, operation: OperationDefinitionNode, given: Variables, delivered: ReadonlySet<string>): OperationDefinitionNode {
  const fragments = fragmentsOf(document);
  const variables = withDefaults(operation, given);
  const transform = (set: SelectionSetNode, path: string[], visiting: Set<string>): SelectionSetNode => {
    const selections: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        selections.push(selection.selectionSet ? { ...selection, selectionSet: transform(selection.selectionSet, [...path, selection.alias?.value ?? selection.name.value], visiting) } : selection);
        continue;
      }
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      const definition = name ? fragments.get(name) : undefined;
      const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : definition?.selectionSet;
      if (!inner || (name && visiting.has(name))) continue;
      const deferred = deferDirective(selection.directives, variables);
      if (deferred && !delivered.has(deferredFragmentKey(path, deferred.label))) continue;
      const next = new Set(visiting);
      if (name) next.add(name);
      const typeCondition = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : definition?.typeCondition;
      const directives = selection.directives?.filter((d) => d.name.value !== 'defer');
      selections.push({ kind: Kind.INLINE_FRAGMENT, typeCondition, directives, selectionSet: transform(inner, path, next) });
    }
    return { ...set, selections };
  };
  return { ...operation, selectionSet: transform(operation.selectionSet, [], new Set()) };
}

/** `@defer` as the incremental delivery spec (2022-08-24) declares it. */
const DEFER_DIRECTIVE = new GraphQLDirective({
  name: 'defer',
  locations: [DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
  args: { if: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: true }, label: { type: GraphQLString } },
});

/** The API schema with `@defer` declared (Apollo Gateway's has none: its executor cannot run it). */
export function withDeferDirective(schema: GraphQLSchema): GraphQLSchema {
  if (schema.getDirective('defer')) return schema;
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, directives: [...config.directives, DEFER_DIRECTIVE] });
}
