import { Kind, parse, type SelectionSetNode } from 'graphql';
import type { FetchNode, PlanNode, ResponsePath } from '@apollo/query-planner';
import { included, type ConditionValues } from './result-shape.ts';

/**
 * The places in the response (see {@link positionOf}) that `@skip`/`@include` keep this run of a
 * plan from fetching, and that no fetch of it fills unconditionally: `@requires` inputs a
 * representation may lack. An input missing for this reason is left out of the representation
 * instead of dropping it (the field that needs it is skipped in the same fetch), so the fields
 * the same fetch gives unconditionally are answered; the life-cycle document ("Where an error
 * stands") gives the case. Undefined when nothing is skipped: the usual plan pays one walk per
 * plan and condition values, and representations are built as before.
 */
export function skippedInputs(node: PlanNode | undefined, conditions: ConditionValues): ReadonlySet<string> | undefined {
  const found = { skipped: new Set<string>(), fetched: new Set<string>() };
  if (node) walkPlan(node, '', conditions, false, found);
  for (const place of found.fetched) found.skipped.delete(place);
  return found.skipped.size > 0 ? found.skipped : undefined;
}

/**
 * A place in the response as fetches and representations both can name it: the response keys
 * from the root, each behind a dot, without list positions and type conditions
 * (`book.reviews.@.book` is `.book.reviews.book`).
 */
export function positionOf(path: ResponsePath): string {
  let position = '';
  for (const element of path) if (element !== '@' && !(typeof element === 'string' && element.startsWith('... on '))) position += `.${element}`;
  return position;
}

interface Found {
  skipped: Set<string>;
  fetched: Set<string>;
}

function walkPlan(node: PlanNode, at: string, conditions: ConditionValues, excluded: boolean, found: Found): void {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) walkPlan(child, at, conditions, excluded, found);
      return;
    case 'Flatten':
      walkPlan(node.node, at + positionOf(node.path), conditions, excluded, found);
      return;
    case 'Condition': {
      // The branch not taken fetches nothing: its fields are skipped.
      const taken = conditions[node.condition] === true;
      if (node.ifClause) walkPlan(node.ifClause, at, conditions, excluded || !taken, found);
      if (node.elseClause) walkPlan(node.elseClause, at, conditions, excluded || taken, found);
      return;
    }
    case 'Defer':
      if (node.primary.node) walkPlan(node.primary.node, at, conditions, excluded, found);
      // Deferred blocks address the response from its root (their Flatten paths are whole).
      for (const deferred of node.deferred) if (deferred.node) walkPlan(deferred.node, '', conditions, excluded, found);
      return;
    case 'Fetch':
      walkFetch(node, at, conditions, excluded, found);
      return;
  }
}

function walkFetch(fetch: FetchNode, at: string, conditions: ConditionValues, excluded: boolean, found: Found): void {
  const document = fetch.operationDocumentNode ?? parse(fetch.operation);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    // An entity fetch fills what it selects under `_entities`, on the objects at its Flatten path.
    const entities = fetch.requires ? definition.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities') : undefined;
    const set = entities?.kind === Kind.FIELD ? entities.selectionSet : definition.selectionSet;
    walkSelections(set, at, conditions, excluded, found);
  }
}

function walkSelections(set: SelectionSetNode | undefined, at: string, conditions: ConditionValues, excluded: boolean, found: Found): void {
  for (const selection of set?.selections ?? []) {
    const skipped = excluded || !included(selection.directives, conditions);
    if (selection.kind === Kind.INLINE_FRAGMENT) walkSelections(selection.selectionSet, at, conditions, skipped, found);
    else if (selection.kind === Kind.FIELD) {
      const place = `${at}.${selection.alias?.value ?? selection.name.value}`;
      (skipped ? found.skipped : found.fetched).add(place);
      if (selection.selectionSet) walkSelections(selection.selectionSet, place, conditions, skipped, found);
    }
  }
}
