import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';

/** A type that may have fields; duck-typed, see {@link operationFieldCoordinates}. */
interface FieldedType {
  name: string;
  getFields?: () => Record<string, { type: unknown }>;
}

function namedTypeOf(type: unknown): FieldedType {
  let current = type as { ofType?: unknown };
  while (current.ofType) current = current.ofType as { ofType?: unknown };
  return current as unknown as FieldedType;
}

/**
 * The schema coordinates (`Type.field`) an operation selects, each once. A field reached
 * through an interface or union fragment is counted on the type the selection names,
 * which is what a schema change to that type would break. Introspection fields are left
 * out: they are no product's.
 *
 * The walk is by hand, not graphql's `TypeInfo`: Apollo loads graphql's CommonJS build
 * and ESM code may get the `.mjs` one (vitest does), and `TypeInfo`'s `instanceof` checks
 * reject a schema from the other build. Method calls work across both.
 */
export function operationFieldCoordinates(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): string[] {
  const coordinates = new Set<string>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName));
  if (operation?.kind !== Kind.OPERATION_DEFINITION) return [];
  const root = schema.getRootType(operation.operation);
  if (!root) return [];

  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode, parent: FieldedType): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        coordinates.add(`${parent.name}.${name}`);
        const field = parent.getFields?.()[name];
        if (selection.selectionSet && field) walk(selection.selectionSet, namedTypeOf(field.type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as FieldedType | undefined) : parent;
        if (condition) walk(selection.selectionSet, condition);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A fragment spread twice under the same type adds nothing new: skip it (and any cycle).
        const key = `${selection.name.value}@${parent.name}`;
        if (!fragment || seen.has(key)) continue;
        seen.add(key);
        const condition = schema.getType(fragment.typeCondition.name.value) as FieldedType | undefined;
        if (condition) walk(fragment.selectionSet, condition);
      }
    }
  };
  walk(operation.selectionSet, root as unknown as FieldedType);
  return [...coordinates];
}
