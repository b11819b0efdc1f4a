import { isObjectOrInterface } from '../product/subgraph-model.ts';
import type { ConstDirectiveNode, DefinitionNode, FieldDefinitionNode } from 'graphql';

/**
 * One concern's share of the supergraph model's single walk: shown every definition of the
 * parsed supergraph once, in order, then asked for what it read. What one reader needs from
 * another (the graphs' names, the products' metadata) is handed to `done` after the walk.
 */
export interface DefinitionReader<T, Given = void> {
  read(definition: DefinitionNode): void;
  done(given: Given): T;
}

/** Each application of the directive `name` to a field of an object or interface type (or extension of one), with the field and its type's name. */
export function fieldDirectivesNamed(definition: DefinitionNode, name: string): { typeName: string; field: FieldDefinitionNode; directive: ConstDirectiveNode }[] {
  if (!isObjectOrInterface(definition)) return [];
  return (definition.fields ?? []).flatMap((field) => (field.directives ?? []).filter((d) => d.name.value === name).map((directive) => ({ typeName: definition.name.value, field, directive })));
}
