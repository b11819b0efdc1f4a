import { Kind, type ConstDirectiveNode, type TypeNode, type ValueNode } from 'graphql';

/** The named type under lists and non-null wrappers. */
export function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

/** The string value of a directive's argument `name`; undefined when it has none, or one of another kind. */
export function stringArgument(directive: ConstDirectiveNode | undefined, name: string): string | undefined {
  const value = directive?.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** A list of lists of strings, as `@requiresScopes(scopes:)` and `@policy(policies:)` take them; a bare item is a list of one. */
export function stringLists(value: ValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values : [inner]).flatMap((item) => (item.kind === Kind.STRING ? [item.value] : [])));
}
