import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isInputType,
  isObjectType,
  Kind,
  typeFromAST,
  valueFromAST,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FieldNode,
} from 'graphql';
import type { CostDirectives, ListSize } from '../../schema/supergraph/cost-directives.ts';
import { memoByPair } from '../primitives/pair-memo.ts';
import { memoizeByFragment } from './document-memo.ts';

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
    if (node?.value.kind === Kind.VARIABLE) {
      const variable = node.value.name.value;
      if (variables[variable] !== undefined) return variables[variable];
      // Left out, a variable takes its default, as the executor runs it: `$n: Int = 100000` costs 100000.
      const declared = options.operation.variableDefinitions?.find((definition) => definition.variable.name.value === variable);
      const type = declared?.defaultValue && typeFromAST(schema, declared.type);
      return type && isInputType(type) ? valueFromAST(declared.defaultValue, type) : undefined;
    }
    if (node) return valueFromAST(node.value, definition.args.find((a) => a.name === name)?.type ?? (undefined as never), variables);
    return definition.args.find((a) => a.name === name)?.defaultValue;
  };

  const sizeOf = (field: FieldNode, definition: GraphQLField<unknown, unknown>, listSize: ListSize | undefined): number => {
    const sliced = (listSize?.slicingArguments ?? []).map((name) => argumentValue(field, definition, name)).filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
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

/** A kept estimate's mark for an operation whose estimate read a variable. */
const PER_REQUEST = Symbol('per request');

/**
 * Estimates kept per operation where they read no variable. Apollo Server hands every request
 * of one query text the same parsed document, and an estimate that reads no variable (no
 * slicing argument given as `$first`) is the same for all of them: it is made once per
 * operation, schema and directives (both replaced whole at each supergraph load). One that
 * reads a variable is made per request, with that request's values.
 */
export class CostEstimates {
  private readonly kept = memoByPair((_directives: CostDirectives, _schema: GraphQLSchema) => new WeakMap<OperationDefinitionNode, number | typeof PER_REQUEST>());

  estimate(options: Parameters<typeof estimateCost>[0]): number {
    const { directives, schema, operation } = options;
    const byOperation = this.kept(directives, schema);
    const known = byOperation.get(operation);
    if (known === PER_REQUEST) return estimateCost(options);
    if (known !== undefined) return known;
    let read = false;
    const variables = new Proxy(options.variables, {
      get(target, key, receiver) {
        read = true;
        return Reflect.get(target, key, receiver);
      },
    });
    const estimated = estimateCost({ ...options, variables });
    byOperation.set(operation, read ? PER_REQUEST : estimated);
    return estimated;
  }
}
