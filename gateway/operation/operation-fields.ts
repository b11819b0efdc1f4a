import { Kind, type DocumentNode, type GraphQLField, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { memoizeByFragment, memoizeBySchemaAndDocument } from './document-memo.ts';

/** A field an operation selects: its `Type.field` coordinate and its definition in the API schema. */
export interface FieldUse {
  coordinate: string;
  field: GraphQLField<unknown, unknown>;
}

/**
 * Every field the document's operations select, fragments included, each coordinate once,
 * in the order first met. All operations count, not only the one that runs: the preview
 * gate refuses a document that names a preview field anywhere.
 */
export function fieldsUsed(schema: GraphQLSchema, document: DocumentNode): readonly FieldUse[] {
  return walkedDocument(schema, document).all;
}

/**
 * The fields one operation selects (the named one, else the document's first), each
 * coordinate once: what field usage records, so a field only another operation in the
 * same document names is not counted as used.
 */
export function operationFieldsUsed(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): readonly FieldUse[] {
  const walked = walkedDocument(schema, document);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName));
  return (operation && walked.byOperation.get(operation)) ?? [];
}

/** A type that may have fields; duck-typed, see {@link walkDocument}. */
export interface FieldedType {
  name: string;
  getFields?: () => Record<string, GraphQLField<unknown, unknown>>;
}

/** The named type under list and non-null wrappers, read by shape as {@link FieldedType} is. */
export function fieldedTypeOf(type: unknown): FieldedType {
  let current = type as { ofType?: unknown };
  while (current.ofType) current = current.ofType as { ofType?: unknown };
  return current as unknown as FieldedType;
}

/** The one walk of a document's fields, done once per document (and schema). */
const walkedDocument = memoizeBySchemaAndDocument(walkDocument);

/**
 * Walks each operation through its fragments. A field reached through an interface or
 * union fragment is counted on the type the selection names, which is what a schema change
 * to that type would break. Introspection fields are left out: they are no product's.
 *
 * Each fragment is walked once, under its own type condition (see {@link memoizeByFragment}),
 * and its fields are merged at every spread.
 *
 * The walk is by hand, not graphql's `TypeInfo`: Apollo loads graphql's CommonJS build
 * and ESM code may get the `.mjs` one (vitest does), and `TypeInfo`'s `instanceof` checks
 * reject a schema from the other build. Method calls work across both.
 */
function walkDocument(schema: GraphQLSchema, document: DocumentNode): { byOperation: Map<OperationDefinitionNode, FieldUse[]>; all: FieldUse[] } {
  const usesOfFragment = memoizeByFragment(
    document,
    (fragment) => {
      const uses = new Map<string, FieldUse>();
      const condition = schema.getType(fragment.typeCondition.name.value) as FieldedType | undefined;
      if (condition) walk(fragment.selectionSet, condition, uses);
      return uses;
    },
    new Map<string, FieldUse>(),
  );

  const walk = (selectionSet: SelectionSetNode, parent: FieldedType, into: Map<string, FieldUse>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = parent.getFields?.()[name];
        if (!field) continue; // validation already refused unknown fields
        const coordinate = `${parent.name}.${name}`;
        if (!into.has(coordinate)) into.set(coordinate, { coordinate, field });
        if (selection.selectionSet) walk(selection.selectionSet, fieldedTypeOf(field.type), into);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as FieldedType | undefined) : parent;
        if (condition) walk(selection.selectionSet, condition, into);
      } else {
        for (const [coordinate, use] of usesOfFragment(selection.name.value)) if (!into.has(coordinate)) into.set(coordinate, use);
      }
    }
  };

  const byOperation = new Map<OperationDefinitionNode, FieldUse[]>();
  const all = new Map<string, FieldUse>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation) as FieldedType | null | undefined;
    const uses = new Map<string, FieldUse>();
    if (root) walk(definition.selectionSet, root, uses);
    byOperation.set(definition, [...uses.values()]);
    for (const [coordinate, use] of uses) if (!all.has(coordinate)) all.set(coordinate, use);
  }
  return { byOperation, all: [...all.values()] };
}
