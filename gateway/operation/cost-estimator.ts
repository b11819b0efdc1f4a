import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  parse,
  valueFromAST,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FieldNode,
} from 'graphql';
import { memoizeByFragment } from './document-memo.ts';

/** `@listSize` as Federation 2.9 defines it. */
interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/** The demand-control directives of a supergraph, by `Type` and `Type.field`. */
export interface CostDirectives {
  typeWeight: Map<string, number>;
  fieldWeight: Map<string, number>;
  listSize: Map<string, ListSize>;
}

/**
 * Reads `@cost` and `@listSize` from the supergraph SDL. The API schema the gateway
 * executes against drops them (they are not part of the client-facing contract), but
 * composition keeps them on the supergraph's fields and types.
 */
export function readCostDirectives(supergraphSdl: string): CostDirectives {
  const directives: CostDirectives = { typeWeight: new Map(), fieldWeight: new Map(), listSize: new Map() };
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.ENUM_TYPE_DEFINITION && definition.kind !== Kind.SCALAR_TYPE_DEFINITION) continue;
    const type = definition.name.value;
    const typeWeight = weightOf(definition.directives);
    if (typeWeight !== undefined) directives.typeWeight.set(type, typeWeight);
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const key = `${type}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== undefined) directives.fieldWeight.set(key, weight);
      const listSize = field.directives?.find((d) => d.name.value === 'listSize');
      if (listSize) directives.listSize.set(key, argumentsOf(listSize) as ListSize);
    }
  }
  return directives;
}

function weightOf(nodes: readonly ConstDirectiveNode[] | undefined): number | undefined {
  const cost = nodes?.find((d) => d.name.value === 'cost');
  const weight = cost && argumentsOf(cost).weight;
  return typeof weight === 'number' ? weight : undefined;
}

function argumentsOf(directive: ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries((directive.arguments ?? []).map((arg) => [arg.name.value, constValue(arg.value)]));
}

/** A literal without a type to coerce to: ints, strings, booleans and lists of them. */
function constValue(node: ConstValueNode): unknown {
  switch (node.kind) {
    case Kind.INT:
      return Number.parseInt(node.value, 10);
    case Kind.FLOAT:
      return Number.parseFloat(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.LIST:
      return node.values.map(constValue);
    default:
      return undefined;
  }
}

/** A sized field's parent tells its children which of them take its size (`@listSize(sizedFields)`). */
interface Sized {
  fields: Set<string>;
  size: number;
  /** What the memo of fragment costs tells this context by. */
  key: string;
}

/**
 * Estimates an operation's cost before it runs, after the IBM cost spec Apollo's demand
 * control follows: a field returning an object costs 1 (scalars and enums 0), `@cost`
 * overrides that, and a list multiplies what is selected under it by its expected size:
 * the slicing argument's value (`first: 50`), else `@listSize(assumedSize)`, else the
 * configured default. `sizedFields` moves that size onto the named child (a connection's
 * `edges`). Abstract selections are added up, an upper bound.
 *
 * A fragment's cost is computed once per estimate (per sized context it is spread in) and
 * reused at every spread, so the estimate is linear in the document, not in its expansion.
 */
export function estimateCost(options: {
  schema: GraphQLSchema;
  directives: CostDirectives;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  defaultListSize: number;
}): number {
  const { schema, directives, variables, defaultListSize } = options;

  const argumentValue = (field: FieldNode, definition: GraphQLField<unknown, unknown>, name: string): unknown => {
    const node = field.arguments?.find((arg) => arg.name.value === name);
    if (node?.value.kind === Kind.VARIABLE) return variables[node.value.name.value];
    if (node) return valueFromAST(node.value, definition.args.find((a) => a.name === name)?.type ?? (undefined as never), variables);
    return definition.args.find((a) => a.name === name)?.defaultValue;
  };

  const sizeOf = (field: FieldNode, definition: GraphQLField<unknown, unknown>, listSize: ListSize | undefined): number => {
    const sliced = (listSize?.slicingArguments ?? [])
      .map((name) => argumentValue(field, definition, name))
      .filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    if (sliced.length) return Math.max(0, ...sliced);
    return listSize?.assumedSize ?? defaultListSize;
  };

  // A fragment's cost depends on the sized context it is spread in, so one memo per context.
  const fragmentCosts = new Map<string, (name: string) => number>();
  const fragmentCost = (name: string, sized: Sized | undefined): number => {
    const key = sized?.key ?? '';
    let costOf = fragmentCosts.get(key);
    if (!costOf) {
      costOf = memoizeByFragment(
        options.document,
        (fragment) => {
          const type = schema.getType(fragment.typeCondition.name.value);
          return type && isCompositeType(type) ? selectionSetCost(type, fragment.selectionSet, sized) : 0;
        },
        0,
      );
      fragmentCosts.set(key, costOf);
    }
    return costOf(name);
  };

  const selectionSetCost = (parent: GraphQLCompositeType, selectionSet: SelectionSetNode, sized: Sized | undefined): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(parent, selection, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += selectionSetCost(type, selection.selectionSet, sized);
      } else {
        total += fragmentCost(selection.name.value, sized);
      }
    }
    return total;
  };

  const fieldCost = (parent: GraphQLCompositeType, field: FieldNode, sized: Sized | undefined): number => {
    if (!isObjectType(parent) && !('getFields' in parent)) return 0; // a union: only __typename
    const definition = (parent as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[field.name.value];
    if (!definition) return 0; // __typename and introspection
    const key = `${parent.name}.${field.name.value}`;
    const named = getNamedType(definition.type);
    const own = directives.fieldWeight.get(key) ?? directives.typeWeight.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    const listSize = directives.listSize.get(key);
    const size = sizeOf(field, definition, listSize);
    const childSized = listSize?.sizedFields?.length ? { fields: new Set(listSize.sizedFields), size, key: `${listSize.sizedFields.join(',')}\u0000${size}` } : undefined;
    const children = field.selectionSet && isCompositeType(named) ? selectionSetCost(named, field.selectionSet, childSized) : 0;
    const cost = own + children;
    // A sized field of its parent (a connection's `edges`) takes the parent's size instead of its own.
    if (sized?.fields.has(field.name.value)) return cost * sized.size;
    if (isListType(getNullableType(definition.type)) && !childSized) return cost * size;
    return cost;
  };

  const root = schema.getRootType(options.operation.operation);
  return root ? selectionSetCost(root, options.operation.selectionSet, undefined) : 0;
}
