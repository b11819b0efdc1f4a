import { Kind, type FieldDefinitionNode } from 'graphql';
import type { ValidProduct } from '../../schema/contracts/mesh.ts';
import type { FieldModel, SubgraphModel, TypeModel } from '../../schema/product/subgraph-model.ts';

/** A query a reader can run as it is: the catalog links it into the explorer. */
export interface ExampleQuery {
  title: string;
  query: string;
}

const BUILT_IN_SCALARS: ReadonlySet<string> = new Set(['ID', 'String', 'Int', 'Float', 'Boolean']);
const PAGE_SIZE = 3;

/** Whether a field can be asked for without arguments: none of them is required. */
function callableWithoutArguments(model: SubgraphModel, field: FieldModel): boolean {
  const definition = fieldDefinition(model, field);
  return (definition?.arguments ?? []).every((arg) => arg.type.kind !== Kind.NON_NULL_TYPE || arg.defaultValue !== undefined);
}

function fieldDefinition(model: SubgraphModel, field: FieldModel): FieldDefinitionNode | undefined {
  for (const node of model.document.definitions) {
    if ((node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) && node.name.value === field.parent) {
      const found = node.fields?.find((f) => f.name.value === field.name);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Leaf fields of `type` a reader may see without any scope, so the example answers for an
 * anonymous caller too: scalars and enums, published, neither preview nor deprecated.
 */
function leafSelection(model: SubgraphModel, type: TypeModel, anonymous: (coordinate: string) => boolean): string[] {
  const leaves: string[] = [];
  for (const field of type.fields.values()) {
    if (field.inaccessible || field.preview || field.deprecationReason || field.external || !anonymous(field.coordinate)) continue;
    const returned = model.types.get(field.returnType);
    const leaf = BUILT_IN_SCALARS.has(field.returnType) || returned?.kind === 'enum' || returned?.kind === 'scalar';
    if (leaf && callableWithoutArguments(model, field)) leaves.push(field.name);
  }
  return leaves.slice(0, 6);
}

/** `field { leaves }` for the object fields of `type` that need no argument. */
function objectSelections(model: SubgraphModel, type: TypeModel, anonymous: (coordinate: string) => boolean): string[] {
  const selections: string[] = [];
  for (const field of type.fields.values()) {
    const returned = model.types.get(field.returnType);
    if (returned?.kind !== 'object' || field.inaccessible || field.preview || field.deprecationReason || !anonymous(field.coordinate) || !callableWithoutArguments(model, field)) continue;
    if (returned.fields.has('edges')) continue;
    const inner = leafSelection(model, returned, anonymous);
    if (inner.length > 0) selections.push(`${field.name} { ${inner.join(' ')} }`);
  }
  return selections;
}

/** `{ field(first: 3) { totalCount edges { node { … } } } }` for a connection, `{ field { … } }` otherwise. */
function selectionFor(model: SubgraphModel, field: FieldModel, leaves: (type: TypeModel) => string[]): string | undefined {
  const returned = model.types.get(field.returnType);
  if (returned?.kind !== 'object') return undefined;
  const edges = returned.fields.get('edges');
  const node = edges && model.types.get(edges.returnType)?.fields.get('node');
  const nodeType = node && model.types.get(node.returnType);
  const paged = field.args.some((a) => a.name === 'first') ? `(first: ${PAGE_SIZE})` : '';
  if (nodeType) {
    const inner = leaves(nodeType);
    if (inner.length === 0) return undefined;
    return `${field.name}${paged} {\n    ${returned.fields.has('totalCount') ? 'totalCount\n    ' : ''}edges { node { ${inner.join(' ')} } }\n  }`;
  }
  const inner = leaves(returned);
  return inner.length === 0 ? undefined : `${field.name}${paged} { ${inner.join(' ')} }`;
}

/**
 * Two or three runnable queries per product, made from its published schema: its own root
 * fields that need no argument, and, for an entity it extends, the same entity reached
 * through another product's root field with this product's fields on it.
 */
export function exampleQueries(product: ValidProduct, all: readonly ValidProduct[], anonymous: (coordinate: string) => boolean): ExampleQuery[] {
  const { model } = product;
  const examples: ExampleQuery[] = [];
  const leaves = (m: SubgraphModel) => (type: TypeModel) => leafSelection(m, type, anonymous);
  for (const field of model.types.get('Query')?.fields.values() ?? []) {
    if (examples.length >= 2) break;
    if (field.inaccessible || field.preview || field.deprecationReason || !anonymous(field.coordinate) || !callableWithoutArguments(model, field)) continue;
    const selection = selectionFor(model, field, leaves(model));
    if (selection) examples.push({ title: field.description ?? field.name, query: `{\n  ${selection}\n}` });
  }
  // An entity this product adds fields to, reached through the product that lists it.
  for (const type of model.types.values()) {
    if (examples.length >= 3) break;
    if (type.keys.length === 0) continue;
    const keyFields = new Set(type.keys.flatMap((k) => k.fields.split(/\s+/)));
    const own = [...leafSelection(model, type, anonymous).filter((name) => !keyFields.has(name)), ...objectSelections(model, type, anonymous)].slice(0, 4);
    if (own.length === 0) continue;
    for (const other of all) {
      if (other === product) continue;
      const root = [...(other.model.types.get('Query')?.fields.values() ?? [])].find((f) => {
        if (f.preview || f.deprecationReason || !callableWithoutArguments(other.model, f)) return false;
        const node = other.model.types.get(other.model.types.get(f.returnType)?.fields.get('edges')?.returnType ?? '')?.fields.get('node');
        return node?.returnType === type.name;
      });
      if (!root) continue;
      const key = type.keys[0]!.fields;
      const selection = selectionFor(other.model, root, () => [key, ...own]);
      if (selection) {
        examples.push({ title: `${type.name} from ${other.descriptor.name}, with the fields ${product.descriptor.name} adds`, query: `{\n  ${selection}\n}` });
        break;
      }
    }
  }
  return examples;
}
