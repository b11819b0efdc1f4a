import { Kind, type ConstDirectiveNode, type ConstValueNode } from 'graphql';
import type { DefinitionReader } from './definition-reader.ts';

/** `@listSize` as Federation 2.9 defines it. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/** The demand-control directives of a supergraph, by `Type` and `Type.field`. */
export interface CostDirectives {
  typeWeight: ReadonlyMap<string, number>;
  fieldWeight: ReadonlyMap<string, number>;
  listSize: ReadonlyMap<string, ListSize>;
}

/**
 * Reads `@cost` and `@listSize` from the supergraph. The API schema the gateway
 * executes against drops them (they are not part of the client-facing contract), but
 * composition keeps them on the supergraph's fields and types.
 */
export function costReader(): DefinitionReader<CostDirectives> {
  const typeWeights = new Map<string, number>();
  const fieldWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  return {
    read(definition) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
        definition.kind !== Kind.ENUM_TYPE_DEFINITION &&
        definition.kind !== Kind.SCALAR_TYPE_DEFINITION
      )
        return;
      const type = definition.name.value;
      const typeWeight = weightOf(definition.directives);
      if (typeWeight !== undefined) typeWeights.set(type, typeWeight);
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) return;
      for (const field of definition.fields ?? []) {
        const key = `${type}.${field.name.value}`;
        const weight = weightOf(field.directives);
        if (weight !== undefined) fieldWeights.set(key, weight);
        const listSize = field.directives?.find((d) => d.name.value === 'listSize');
        if (listSize) listSizes.set(key, argumentsOf(listSize) as ListSize);
      }
    },
    done: () => ({ typeWeight: typeWeights, fieldWeight: fieldWeights, listSize: listSizes }),
  };
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
