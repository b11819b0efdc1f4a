import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Every null in an answer that no error explains and that the products' data does not hold:
 * the silent nulls the spec forbids. A null at path P is explained by an error at P or below
 * (a non-null field under P that propagated up to it), or by an error with no path (a failed
 * fetch that could not say where: `PENDING.failedFetchPath`). Otherwise it must be a value a
 * product answers null by its data, named by the coordinate `Type.field` in `legitimate`
 * (list items included). A null in a non-null position is never legitimate.
 */
export function silentNulls(
  schema: GraphQLSchema,
  query: string,
  body: { data?: unknown; errors?: readonly { path?: readonly (string | number)[] }[] },
  legitimate: ReadonlySet<string>,
): SilentNull[] {
  const errors = body.errors ?? [];
  if (body.data === undefined) return [];
  if (body.data === null) return errors.length > 0 ? [] : [{ at: 'data', coordinates: [], what: 'data: null, with no error' }];
  if (errors.some((e) => !e.path)) return [];
  const document = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const root = operation?.kind === Kind.OPERATION_DEFINITION ? schema.getRootType(operation.operation) : undefined;
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION || !root) return [];
  const explained = (path: readonly (string | number)[]) => errors.some((e) => e.path && path.every((step, i) => e.path![i] === step));
  const found: SilentNull[] = [];

  /** The field definitions and merged sub-selections a response key of `type` stands for. */
  const fieldsOf = (type: GraphQLCompositeType, concrete: string | undefined, selections: readonly SelectionSetNode[], key: string) => {
    let field: GraphQLField<unknown, unknown> | undefined;
    const sub: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if ((selection.alias?.value ?? selection.name.value) !== key) continue;
          field ??= fieldOn(schema, type, concrete, selection.name.value);
          if (selection.selectionSet) sub.push(selection.selectionSet);
        } else {
          const condition = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition?.name.value : fragments.get(selection.name.value)?.typeCondition.name.value;
          // A fragment on another concrete type than the object's does not apply to it.
          if (condition && concrete && condition !== concrete && isObjectType(schema.getType(condition))) continue;
          const set = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
          if (set) visit(set);
        }
      }
    };
    for (const set of selections) visit(set);
    return { field, sub };
  };

  const walk = (value: unknown, type: GraphQLOutputType, selections: readonly SelectionSetNode[], path: (string | number)[], coordinates: readonly string[]) => {
    if (value === null) {
      const at = path.join('.');
      if (isNonNullType(type)) found.push({ at, coordinates, what: `null in a non-null position at ${at}` });
      else if (!explained(path) && !coordinates.some((c) => legitimate.has(c))) found.push({ at, coordinates, what: `null with no error at ${at} (${coordinates.join(' / ')})` });
      return;
    }
    const nullable = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(item, nullable.ofType, selections, [...path, i], coordinates);
      return;
    }
    if (!isCompositeType(nullable) || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    const concrete = typeof object.__typename === 'string' ? object.__typename : isObjectType(nullable) ? nullable.name : undefined;
    for (const [key, child] of Object.entries(object)) {
      const { field, sub } = fieldsOf(nullable, concrete, selections, key);
      if (!field) continue;
      const owners = [...new Set([nullable.name, concrete ?? nullable.name])];
      walk(
        child,
        field.type,
        sub,
        [...path, key],
        owners.map((owner) => `${owner}.${field.name}`),
      );
    }
  };
  walk(body.data, root, [operation.selectionSet], [], []);
  return found;
}

export interface SilentNull {
  at: string;
  /** The field's coordinates: its parent type's, and the concrete type's where that is another. */
  coordinates: readonly string[];
  what: string;
}

function fieldOn(schema: GraphQLSchema, type: GraphQLCompositeType, concrete: string | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return undefined;
  const candidates = [concrete ? schema.getType(concrete) : undefined, type, ...(isAbstractType(type) ? schema.getPossibleTypes(type) : [])];
  for (const candidate of candidates) {
    const named = candidate && getNamedType(candidate);
    if (named && (isObjectType(named) || ('getFields' in named && typeof named.getFields === 'function'))) {
      const field = (named as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[name];
      if (field) return field;
    }
  }
  return undefined;
}
