import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLField, type GraphQLSchema } from 'graphql';
import { memoizeBySchemaAndDocument } from './document-memo.ts';

/** A field an operation selects: its `Type.field` coordinate and its definition in the API schema. */
export interface FieldUse {
  coordinate: string;
  field: GraphQLField<unknown, unknown>;
}

/** Every field the document selects, fragments included, in document order (repeats kept); walked once per document. */
export const fieldsUsed: (schema: GraphQLSchema, document: DocumentNode) => readonly FieldUse[] = memoizeBySchemaAndDocument(walkFieldsUsed);

function walkFieldsUsed(schema: GraphQLSchema, document: DocumentNode): FieldUse[] {
  const uses: FieldUse[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field && parent) uses.push({ coordinate: `${parent.name}.${field.name}`, field });
      },
    }),
  );
  return uses;
}
