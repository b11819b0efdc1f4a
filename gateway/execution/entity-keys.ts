import { Kind, parse, type ConstDirectiveNode, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

type Data = Record<string, unknown>;

/** A supergraph's product names by join__Graph value, and the keys read so far: by type name, then product. */
interface SchemaKeys {
  readonly products: ReadonlyMap<string, string>;
  readonly byType: Map<string, ReadonlyMap<string, SelectionSetNode[]>>;
}

/**
 * The keys each product declares for an entity type, read from the type's
 * `@join__type(graph:, key:)` the first time a representation of it is judged, then kept with
 * the supergraph (the schema object is new with every load). Looked up by type, then
 * product, with no string built: this runs for every representation sent. Read per type, a
 * large supergraph's first fetch does not read the keys of every type.
 */
const keysBySchema = new WeakMap<GraphQLSchema, SchemaKeys>();

/**
 * The key field that makes a representation unusable for a product: every key the product
 * declares for the entity's type is either not in the representation or has a null in it,
 * and one of them is there with a null (a key chain whose earlier link answered a null key).
 * Asked with it, a product can only answer null, and the client would get that null as the
 * product's data; not asking it lets the null say why. Undefined when some key is whole, or
 * when the supergraph names no key for the type (nothing to judge by: sent as Apollo sends it).
 */
export function nullKeyField(schema: GraphQLSchema, representation: Data, product: string): string | undefined {
  const declared = declaredKeys(schema, representation.__typename, product);
  if (!declared) return undefined;
  let nullField: string | undefined;
  for (const key of declared) {
    const found = keyGap(representation, key);
    if (found === undefined) return undefined;
    if (found !== MISSING) nullField ??= found;
  }
  return nullField;
}

const MISSING = Symbol('missing');

/** Undefined when the key is whole in the value; MISSING when a field of it is absent; else the name of a field that is null. */
function keyGap(value: unknown, key: SelectionSetNode): string | typeof MISSING | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const gap = keyGap(item, key);
      if (gap !== undefined) return gap;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return MISSING;
  for (const selection of key.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const name = selection.name.value;
    const field = (value as Data)[name];
    if (field === undefined) return MISSING;
    if (field === null) return name;
    if (selection.selectionSet) {
      const gap = keyGap(field, selection.selectionSet);
      if (gap !== undefined) return gap;
    }
  }
  return undefined;
}

function declaredKeys(schema: GraphQLSchema, typename: unknown, product: string): readonly SelectionSetNode[] | undefined {
  if (typeof typename !== 'string') return undefined;
  let known = keysBySchema.get(schema);
  if (!known) {
    known = { products: productNames(schema), byType: new Map() };
    keysBySchema.set(schema, known);
  }
  let ofType = known.byType.get(typename);
  if (!ofType) {
    // Only the schema's types are kept: a product naming types of its own would grow this.
    const type = schema.getType(typename);
    if (!type) return undefined;
    ofType = typeKeys(type, known.products);
    known.byType.set(typename, ofType);
  }
  return ofType.get(product);
}

/** Product names by their join__Graph enum value. */
function productNames(schema: GraphQLSchema): Map<string, string> {
  const products = new Map<string, string>();
  const graphs = schema.getType('join__Graph');
  if (graphs?.astNode?.kind === Kind.ENUM_TYPE_DEFINITION) {
    for (const value of graphs.astNode.values ?? []) {
      const name = argument(
        value.directives?.find((d) => d.name.value === 'join__graph'),
        'name',
      );
      if (name?.kind === Kind.STRING) products.set(value.name.value, name.value);
    }
  }
  return products;
}

/** The keys of one type, by the product that declares them. */
function typeKeys(type: GraphQLNamedType, products: ReadonlyMap<string, string>): Map<string, SelectionSetNode[]> {
  const keys = new Map<string, SelectionSetNode[]>();
  for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) {
    for (const directive of (node?.directives ?? []) as readonly ConstDirectiveNode[]) {
      if (directive.name.value !== 'join__type') continue;
      const graph = argument(directive, 'graph');
      const key = argument(directive, 'key');
      const product = graph?.kind === Kind.ENUM ? products.get(graph.value) : undefined;
      if (!product || key?.kind !== Kind.STRING) continue;
      const selection = (parse(`{${key.value}}`).definitions[0] as OperationDefinitionNode).selectionSet;
      const list = keys.get(product);
      if (list) list.push(selection);
      else keys.set(product, [selection]);
    }
  }
  return keys;
}

function argument(directive: ConstDirectiveNode | undefined, name: string) {
  return directive?.arguments?.find((a) => a.name.value === name)?.value;
}
