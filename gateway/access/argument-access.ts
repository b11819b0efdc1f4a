import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { fragmentsOf } from '../operation/document-memo.ts';
import { fieldedTypeOf, type FieldedType } from '../operation/operation-fields.ts';

/**
 * Filtering by a field reveals the field: `customers(filter: {country: "DE"}) { totalCount }`
 * tells an anonymous caller how many customers are in Germany even though it may not read
 * `Customer.country`, and nulling a field in the answer would not hide it. So an argument
 * or input field that exposes a coordinate (`@meshgate__exposes`) may be used only by a
 * caller who may read that coordinate.
 *
 * "Used" is what the operation sends: a literal, null included (filtering by "no value" is
 * filtering too), or a variable the request provides or defaults. An input field is checked
 * at any depth of the argument's value, through lists, nested input objects and variables.
 * Only the operation that runs is walked, through its fragments.
 */
export interface RefusedArgument {
  /** `Query.revenueByMonth.from` or `CustomerFilter.country`. */
  argument: string;
  exposes: string;
  reason: string;
}

/**
 * A type as the walk needs it, duck-typed: Apollo loads graphql's CommonJS build and ESM
 * code may get the other one, whose `instanceof`-based `isListType` rejects these types.
 */
interface InputType {
  name?: string;
  ofType?: InputType;
  getFields?: () => Record<string, { type: InputType }>;
  [Symbol.toStringTag]?: string;
}

export function refusedArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  exposures: ReadonlyMap<string, readonly string[]>,
  refusal: (coordinate: string) => string | null,
): RefusedArgument[] {
  const refused = new Map<string, RefusedArgument>();
  if (exposures.size === 0) return [];
  const fragments = fragmentsOf(document);
  const defaults = new Map((operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d.defaultValue]));

  const check = (argument: string) => {
    for (const exposes of exposures.get(argument) ?? []) {
      const reason = refusal(exposes);
      if (reason && !refused.has(`${argument} ${exposes}`)) refused.set(`${argument} ${exposes}`, { argument, exposes, reason });
    }
  };

  /** The value a variable reference stands for, or undefined when the request leaves it out (the argument is then absent). */
  const variable = (name: string): { json: unknown } | { node: ValueNode } | undefined => {
    if (variables && Object.hasOwn(variables, name) && variables[name] !== undefined) return { json: variables[name] };
    const fallback = defaults.get(name);
    return fallback ? { node: fallback } : undefined;
  };

  const walkNode = (value: ValueNode, type: InputType | undefined): void => {
    if (!type) return;
    if (value.kind === Kind.VARIABLE) {
      const resolved = variable(value.name.value);
      if (resolved && 'json' in resolved) walkJson(resolved.json, type);
      else if (resolved) walkNode(resolved.node, type);
      return;
    }
    const tag = type[Symbol.toStringTag];
    if (tag === 'GraphQLNonNull') {
      walkNode(value, type.ofType);
      return;
    }
    if (tag === 'GraphQLList') {
      // A single value where a list is expected is coerced to a list of one.
      for (const item of value.kind === Kind.LIST ? value.values : [value]) walkNode(item, type.ofType);
      return;
    }
    if (tag !== 'GraphQLInputObjectType' || value.kind !== Kind.OBJECT) return;
    const fields = type.getFields!();
    for (const field of value.fields) {
      const definition = fields[field.name.value];
      if (!definition || !isUsed(field.value)) continue;
      check(`${type.name}.${field.name.value}`);
      walkNode(field.value, definition.type);
    }
  };

  const walkJson = (value: unknown, type: InputType | undefined): void => {
    if (!type || value === null || value === undefined) return;
    const tag = type[Symbol.toStringTag];
    if (tag === 'GraphQLNonNull') {
      walkJson(value, type.ofType);
      return;
    }
    if (tag === 'GraphQLList') {
      for (const item of Array.isArray(value) ? value : [value]) walkJson(item, type.ofType);
      return;
    }
    if (tag !== 'GraphQLInputObjectType' || typeof value !== 'object') return;
    const fields = type.getFields!();
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
      const definition = fields[name];
      if (!definition || inner === undefined) continue;
      check(`${type.name}.${name}`);
      walkJson(inner, definition.type);
    }
  };

  const isUsed = (value: ValueNode) => value.kind !== Kind.VARIABLE || variable(value.name.value) !== undefined;

  const seenFragments = new Set<string>();
  const walkSelections = (selectionSet: SelectionSetNode, parent: FieldedType): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const field = parent.getFields?.()[selection.name.value];
        if (!field) continue; // validation already refused unknown fields
        for (const argument of selection.arguments ?? []) {
          const definition = field.args.find((a) => a.name === argument.name.value);
          if (!definition || !isUsed(argument.value)) continue;
          check(`${parent.name}.${selection.name.value}.${argument.name.value}`);
          walkNode(argument.value, definition.type as InputType);
        }
        if (selection.selectionSet) walkSelections(selection.selectionSet, fieldedTypeOf(field.type));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD && seenFragments.has(selection.name.value)) continue;
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (selection.kind === Kind.FRAGMENT_SPREAD) seenFragments.add(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition ? (schema.getType(fragment.typeCondition.name.value) as FieldedType | undefined) : parent;
      if (condition) walkSelections(fragment.selectionSet, condition);
    }
  };

  const root = schema.getRootType(operation.operation) as FieldedType | null | undefined;
  if (root) walkSelections(operation.selectionSet, root);
  return [...refused.values()];
}
