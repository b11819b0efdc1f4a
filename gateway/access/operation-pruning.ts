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

/** Puts nulls and FORBIDDEN_FIELD errors where denied fields were, and strips placeholders. */
export function applyDenials(
  data: Record<string, unknown> | null | undefined,
  denied: readonly DeniedField[],
): { data: Record<string, unknown> | null | undefined; errors: GraphQLFormattedError[] } {
  const errors = new Map<string, GraphQLFormattedError>();
  if (data === undefined) return { data, errors: [] };
  stripPlaceholders(data);
  if (data === null) return { data, errors: [] };
  // Nulls are set after every denied field is found, so each gets its error even when an
  // earlier one's null already took its parent: the client learns all it must not ask for.
  const nulls: (() => void)[] = [];
  let dataIsNull = false;
  for (const field of denied) {
    const walk: Walk = {
      steps: field.steps,
      setNull: (container, key) => nulls.push(() => ((container as Record<string | number, unknown>)[key] = null)),
      addError: (path) => {
        const key = JSON.stringify(path);
        if (!errors.has(key)) {
          errors.set(key, { message: `Not authorized to read ${field.coordinate}: it ${field.reason}`, path, extensions: { code: MeshErrorCode.FORBIDDEN_FIELD } });
        }
      },
    };
    if (nullAt(data, walk, 0, [])) dataIsNull = true;
  }
  for (const setNull of nulls) setNull();
  return { data: dataIsNull ? null : data, errors: [...errors.values()] };
}

interface Walk {
  steps: Step[];
  setNull(container: Record<string, unknown> | unknown[], key: string | number): void;
  addError(path: (string | number)[]): void;
}

/** Returns true when `object` itself must become null (a non-null field below it is null). */
function nullAt(object: Record<string, unknown>, walk: Walk, index: number, path: (string | number)[]): boolean {
  const step = walk.steps[index]!;
  const here = [...path, step.key];
  if (index === walk.steps.length - 1) {
    walk.addError(here);
    if (isNonNullType(step.type)) return true;
    walk.setNull(object, step.key);
    return false;
  }
  const value = object[step.key];
  if (value === null || value === undefined) return false;
  if (nullInValue(value, step.type, walk, index + 1, here)) {
    if (isNonNullType(step.type)) return true;
    walk.setNull(object, step.key);
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
        else walk.setNull(value, i);
      }
    }
    return listIsNull;
  }
  if (typeof value === 'object' && value !== null) return nullAt(value as Record<string, unknown>, walk, index, path);
  return false;
}

function stripPlaceholders(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripPlaceholders(item);
  } else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    delete object[PLACEHOLDER];
    for (const item of Object.values(object)) stripPlaceholders(item);
  }
}
