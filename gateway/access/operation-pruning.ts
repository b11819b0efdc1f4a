import type { GraphQLFormattedError } from 'graphql';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { fragmentsOf } from '../operation/document-memo.ts';
import { setOwn } from '../primitives/set-own.ts';

/**
 * Removes denied fields from an operation before it is planned, so no product is ever
 * asked for them, and afterwards puts back what GraphQL says a client must see in their
 * place: null at the field's path with an error, the null bubbling up to the nearest
 * nullable parent when the field is non-null (GraphQL spec, "Handling Field Errors").
 */

/** One step from the response root: a response key and the declared type of that field. */
interface Step {
  key: string;
  type: GraphQLOutputType;
}

export interface DeniedField {
  coordinate: string;
  reason: string;
  steps: Step[];
}

/** Selected where a selection set would be left empty; stripped from the response. */
const PLACEHOLDER = '_meshgateDenied';

export function pruneOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  refusal: (coordinate: string) => string | null,
): { document: DocumentNode; operation: OperationDefinitionNode; denied: DeniedField[] } {
  const fragments = fragmentsOf(document);
  const denied: DeniedField[] = [];
  const root = schema.getRootType(operation.operation);
  if (!root) return { document, operation, denied };

  // Fragments are inlined so each field is seen at every path it is used from.
  const pruneSet = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: Step[]): SelectionSetNode => {
    const selections: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const kept = pruneField(selection, parent, path);
        if (kept) selections.push(kept);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!condition || !isCompositeType(condition)) continue;
      const inner = pruneSet(fragment.selectionSet, condition, path);
      selections.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: selection.directives, selectionSet: inner });
    }
    if (selections.length === 0) {
      selections.push({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER }, name: { kind: Kind.NAME, value: '__typename' } });
    }
    return { ...selectionSet, selections };
  };

  const pruneField = (field: FieldNode, parent: GraphQLCompositeType, path: Step[]): FieldNode | null => {
    if (field.name.value.startsWith('__') || !('getFields' in parent)) return field;
    const definition = parent.getFields()[field.name.value];
    if (!definition) return field; // validation already refused unknown fields
    const coordinate = `${parent.name}.${field.name.value}`;
    const steps = [...path, { key: field.alias?.value ?? field.name.value, type: definition.type }];
    const reason = refusal(coordinate);
    if (reason) {
      denied.push({ coordinate, reason, steps });
      return null;
    }
    const named = getNamedType(definition.type);
    if (!field.selectionSet || !isCompositeType(named)) return field;
    return { ...field, selectionSet: pruneSet(field.selectionSet, named, steps) };
  };

  const pruned: OperationDefinitionNode = { ...operation, selectionSet: pruneSet(operation.selectionSet, root, []) };
  if (denied.length === 0) return { document, operation, denied };
  // Only the chosen operation is kept: fragments are inlined, other operations are not run.
  return { document: { kind: Kind.DOCUMENT, definitions: [pruned] }, operation: pruned, denied };
}

/**
 * Puts nulls and FORBIDDEN_FIELD errors where denied fields were, and strips placeholders.
 * `data` is never changed: it may be an answer shared by every caller with the same rights
 * (one execution in flight, or a kept answer; `answerIdentity`), so only the
 * objects and lists on the way to a change are copied, and the result shares the rest.
 */
export function applyDenials(data: Record<string, unknown> | null | undefined, denied: readonly DeniedField[]): { data: Record<string, unknown> | null | undefined; errors: GraphQLFormattedError[] } {
  const errors = new Map<string, GraphQLFormattedError>();
  if (data === undefined || data === null) return { data, errors: [] };
  // Copies made by this call: changed in place from here on, nobody else holds them.
  const owned = new WeakSet<object>();
  let answer = withoutPlaceholders(data, owned) as Record<string, unknown>;
  // Nulls are set after every denied field is found, so each gets its error even when an
  // earlier one's null already took its parent: the client learns all it must not ask for.
  const nulls: (string | number)[][] = [];
  let dataIsNull = false;
  for (const field of denied) {
    const walk: Walk = {
      steps: field.steps,
      setNull: (path) => nulls.push(path),
      addError: (path) => {
        const key = JSON.stringify(path);
        if (!errors.has(key)) {
          errors.set(key, { message: `Not authorized to read ${field.coordinate}: it ${field.reason}`, path, extensions: { code: MeshErrorCode.FORBIDDEN_FIELD } });
        }
      },
    };
    if (nullAt(answer, walk, 0, [])) dataIsNull = true;
  }
  if (dataIsNull) return { data: null, errors: [...errors.values()] };
  if (nulls.length > 0 && !owned.has(answer)) {
    answer = { ...answer };
    owned.add(answer);
  }
  for (const path of nulls) setNullAt(answer, path, owned);
  return { data: answer, errors: [...errors.values()] };
}

interface Walk {
  steps: Step[];
  /** Records that the value at `path` (from the root) must become null. */
  setNull(path: (string | number)[]): void;
  addError(path: (string | number)[]): void;
}

/** Returns true when `object` itself must become null (a non-null field below it is null). */
function nullAt(object: Record<string, unknown>, walk: Walk, index: number, path: (string | number)[]): boolean {
  const step = walk.steps[index]!;
  const here = [...path, step.key];
  if (index === walk.steps.length - 1) {
    walk.addError(here);
    if (isNonNullType(step.type)) return true;
    walk.setNull(here);
    return false;
  }
  const value = Object.hasOwn(object, step.key) ? object[step.key] : undefined;
  if (value === null || value === undefined) return false;
  if (nullInValue(value, step.type, walk, index + 1, here)) {
    if (isNonNullType(step.type)) return true;
    walk.setNull(here);
  }
  return false;
}

function nullInValue(value: unknown, type: GraphQLOutputType, walk: Walk, index: number, path: (string | number)[]): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    const itemType = nullable.ofType as GraphQLOutputType;
    let listIsNull = false;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === null || item === undefined) continue;
      if (nullInValue(item, itemType, walk, index, [...path, i])) {
        if (isNonNullType(itemType)) listIsNull = true;
        else walk.setNull([...path, i]);
      }
    }
    return listIsNull;
  }
  if (typeof value === 'object' && value !== null) return nullAt(value as Record<string, unknown>, walk, index, path);
  return false;
}

/**
 * Sets the value at `path` in `root` (a copy this call owns) to null, copying each object or
 * list on the way that is still shared. A path under a value already nulled is done.
 */
function setNullAt(root: Record<string, unknown>, path: readonly (string | number)[], owned: WeakSet<object>): void {
  let container: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    // Own keys only: a client may alias a field `__proto__`, which every object inherits.
    let child = Object.hasOwn(container, key) ? container[key] : undefined;
    if (child === null || typeof child !== 'object') return;
    if (!owned.has(child)) {
      child = Array.isArray(child) ? [...child] : { ...(child as Record<string, unknown>) };
      owned.add(child as object);
      setOwn(container, String(key), child);
    }
    container = child as Record<string | number, unknown>;
  }
  setOwn(container, String(path[path.length - 1]!), null);
}

/** `value` without placeholder keys: the same value when it has none, else a copy of what holds them. */
function withoutPlaceholders(value: unknown, owned: WeakSet<object>): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const stripped = withoutPlaceholders(item, owned);
      if (stripped === item) continue;
      copy ??= [...value];
      copy[i] = stripped;
    }
    if (!copy) return value;
    owned.add(copy);
    return copy;
  }
  if (!value || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  if (PLACEHOLDER in object) {
    const { [PLACEHOLDER]: _placeholder, ...rest } = object;
    copy = rest;
  }
  for (const key in object) {
    if (key === PLACEHOLDER) continue;
    const item = object[key];
    const stripped = withoutPlaceholders(item, owned);
    if (stripped === item) continue;
    copy ??= { ...object };
    copy[key] = stripped;
  }
  if (!copy) return value;
  owned.add(copy);
  return copy;
}
