import type { ValidProduct } from '../contracts/mesh.ts';
import { isPublishedField, type FieldModel } from '../product/subgraph-model.ts';

/**
 * The shape of a product's published GraphQL fields as a tree, for catalogs that describe
 * an API's request and response as nested fields (OpenMetadata) or a dataset as columns
 * (DataHub). Kinds are GraphQL's: each catalog maps them to its own type names.
 */
export interface ShapeField {
  name: string;
  description: string | undefined;
  /** The GraphQL type as written, e.g. `[Order!]!`. */
  typeRef: string;
  kind: 'string' | 'int' | 'float' | 'boolean' | 'enum' | 'object';
  list: boolean;
  required: boolean;
  /** A preview field: served to clients that opt in, outside the compatibility promise, so no contract binds it. */
  preview: boolean;
  /** The published fields of an object type, as far as the product itself defines them. */
  children: ShapeField[];
}

const SCALAR_KINDS: Record<string, ShapeField['kind']> = { ID: 'string', String: 'string', Int: 'int', Float: 'float', Boolean: 'boolean' };

function kindOf(product: ValidProduct, typeName: string): ShapeField['kind'] {
  const scalar = SCALAR_KINDS[typeName];
  if (scalar) return scalar;
  const type = product.model.types.get(typeName);
  if (type?.kind === 'enum') return 'enum';
  // Custom scalars travel as strings (dates, decimals as text); every other named type is an object.
  return type?.kind === 'scalar' || !type ? 'string' : 'object';
}

/**
 * A field with its published sub-fields. A type already on the path is not entered again
 * (Customer.orders.edges.node.customer would never end), so the tree is finite.
 */
export function shapeOf(product: ValidProduct, field: Pick<FieldModel, 'name' | 'description' | 'typeRef' | 'returnType' | 'preview'>, path: ReadonlySet<string> = new Set()): ShapeField {
  const kind = kindOf(product, field.returnType);
  const type = product.model.types.get(field.returnType);
  const children =
    kind === 'object' && type && !path.has(type.name)
      ? [...type.fields.values()].filter((child) => isPublishedField(type, child)).map((child) => shapeOf(product, child, new Set([...path, type.name])))
      : [];
  return {
    name: field.name,
    description: field.description,
    typeRef: field.typeRef,
    kind,
    list: field.typeRef.replace(/!$/, '').startsWith('['),
    required: field.typeRef.endsWith('!'),
    preview: field.preview,
    children,
  };
}

/** The product's published root fields (`Query.*`, `Mutation.*`): its API's operations. */
export function rootFields(product: ValidProduct): { operation: 'Query' | 'Mutation'; field: FieldModel }[] {
  return (['Query', 'Mutation'] as const).flatMap((operation) => {
    const type = product.model.types.get(operation);
    return type ? [...type.fields.values()].filter((field) => isPublishedField(type, field)).map((field) => ({ operation, field })) : [];
  });
}
