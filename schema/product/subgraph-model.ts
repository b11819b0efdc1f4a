import {
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type SelectionSetNode,
} from 'graphql';
import { CONTRACT_DIRECTIVES, PREVIEW_TAG } from './contract-spec.ts';
import { namedTypeOf, stringArgument } from '../base/sdl-syntax.ts';

/**
 * A product's subgraph SDL reduced to what the contract rules look at: types, fields,
 * descriptions, deprecations and the federation directives that cross product
 * boundaries. Directive names are matched unprefixed, as our products import them.
 */
export type TypeKind = 'object' | 'interface' | 'input' | 'enum' | 'union' | 'scalar';

/** The parts every named element shares. */
interface ElementModel {
  name: string;
  /** `Type`, `Type.field`, `Type.field.arg` or `Enum.VALUE`. */
  coordinate: string;
  description: string | undefined;
  deprecationReason: string | undefined;
  inaccessible: boolean;
  /** Tagged `@tag(name: "preview")`, on itself or on its type: outside the compatibility promise. */
  preview: boolean;
  /** `Type.field`s an argument or input field reveals when a caller filters, sorts or pages by it (`@meshgate__exposes`). */
  exposes: string[];
}

export interface FieldModel extends ElementModel {
  parent: string;
  /** The named type the field returns, wrappers stripped. */
  returnType: string;
  /** The field's type as written, e.g. `[Order!]!`. */
  typeRef: string;
  external: boolean;
  requires: string | undefined;
  provides: string | undefined;
  args: ArgumentModel[];
}

export interface ArgumentModel extends ElementModel {
  /** The named type the argument takes, wrappers stripped. */
  inputType: string;
  /** The argument's type as written, e.g. `[ID!]!`. */
  typeRef: string;
}

export interface KeyModel {
  fields: string;
  resolvable: boolean;
}

export interface TypeModel extends ElementModel {
  kind: TypeKind;
  keys: KeyModel[];
  /** Fields of object, interface and input types. */
  fields: Map<string, FieldModel>;
  /** Values of enum types. */
  values: Map<string, ElementModel>;
}

export interface SubgraphModel {
  document: DocumentNode;
  types: Map<string, TypeModel>;
}

/** Root operation types: they describe no entity, so lint does not ask them for a description. */
export const ROOT_TYPES: ReadonlySet<string> = new Set(['Query', 'Mutation', 'Subscription']);

function directives(node: { directives?: readonly ConstDirectiveNode[] }, name: string): ConstDirectiveNode[] {
  return (node.directives ?? []).filter((d) => d.name.value === name);
}

function isPreviewTagged(node: { directives?: readonly ConstDirectiveNode[] }): boolean {
  return directives(node, 'tag').some((d) => stringArgument(d, 'name') === PREVIEW_TAG);
}

function deprecationOf(node: { directives?: readonly ConstDirectiveNode[] }): string | undefined {
  const directive = directives(node, 'deprecated')[0];
  if (!directive) return undefined;
  // `@deprecated` without a reason means GraphQL's default reason.
  return stringArgument(directive, 'reason') ?? 'No longer supported';
}

function element(node: { name: { value: string }; description?: { value: string }; directives?: readonly ConstDirectiveNode[] }, coordinate: string, inheritedPreview: boolean): ElementModel {
  return {
    name: node.name.value,
    coordinate,
    description: node.description?.value.trim() || undefined,
    deprecationReason: deprecationOf(node),
    inaccessible: directives(node, 'inaccessible').length > 0,
    preview: inheritedPreview || isPreviewTagged(node),
    exposes: directives(node, CONTRACT_DIRECTIVES.exposes).flatMap((d) => stringArgument(d, 'field') ?? []),
  };
}

function fieldModel(node: FieldDefinitionNode | InputValueDefinitionNode, parent: string, typePreview: boolean): FieldModel {
  const base = element(node, `${parent}.${node.name.value}`, typePreview);
  const args = node.kind === Kind.FIELD_DEFINITION ? (node.arguments ?? []) : [];
  return {
    ...base,
    parent,
    returnType: namedTypeOf(node.type),
    typeRef: print(node.type),
    external: directives(node, 'external').length > 0,
    requires: stringArgument(directives(node, 'requires')[0], 'fields'),
    provides: stringArgument(directives(node, 'provides')[0], 'fields'),
    args: args.map((arg) => ({ ...element(arg, `${base.coordinate}.${arg.name.value}`, base.preview), inputType: namedTypeOf(arg.type), typeRef: print(arg.type) })),
  };
}

const KIND_OF: Partial<Record<Kind, TypeKind>> = {
  [Kind.OBJECT_TYPE_DEFINITION]: 'object',
  [Kind.OBJECT_TYPE_EXTENSION]: 'object',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'interface',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'interface',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'input',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'input',
  [Kind.ENUM_TYPE_DEFINITION]: 'enum',
  [Kind.ENUM_TYPE_EXTENSION]: 'enum',
  [Kind.UNION_TYPE_DEFINITION]: 'union',
  [Kind.UNION_TYPE_EXTENSION]: 'union',
  [Kind.SCALAR_TYPE_DEFINITION]: 'scalar',
  [Kind.SCALAR_TYPE_EXTENSION]: 'scalar',
};

function addDefinition(types: Map<string, TypeModel>, definition: DefinitionNode): void {
  const kind = KIND_OF[definition.kind];
  if (!kind || !('name' in definition) || !definition.name) return;
  const name = definition.name.value;
  const own = element(definition as Parameters<typeof element>[0], name, false);
  // `type X` and `extend type X` merge: a flag set on either part holds for the type.
  const type: TypeModel = types.get(name) ?? { ...own, kind, keys: [], fields: new Map(), values: new Map() };
  type.description ??= own.description;
  type.inaccessible ||= own.inaccessible;
  type.preview ||= own.preview;
  types.set(name, type);
  for (const key of directives(definition as { directives?: readonly ConstDirectiveNode[] }, 'key')) {
    const resolvable = key.arguments?.find((a) => a.name.value === 'resolvable');
    type.keys.push({
      fields: stringArgument(key, 'fields') ?? '',
      resolvable: !(resolvable?.value.kind === Kind.BOOLEAN && !resolvable.value.value),
    });
  }
  if ('fields' in definition && definition.fields) {
    for (const field of definition.fields) type.fields.set(field.name.value, fieldModel(field, name, type.preview));
  }
  if ('values' in definition && definition.values) {
    for (const value of definition.values) type.values.set(value.name.value, element(value, `${name}.${value.name.value}`, type.preview));
  }
}

/** Builds the model of one subgraph SDL. Throws graphql's `GraphQLError` on a syntax error. */
/** An object or interface type, or an extension of one: a definition whose fields carry directives. */
export function isObjectOrInterface(definition: DefinitionNode): definition is ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode {
  return (
    definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
    definition.kind === Kind.OBJECT_TYPE_EXTENSION ||
    definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
    definition.kind === Kind.INTERFACE_TYPE_EXTENSION
  );
}

export function modelSubgraph(sdl: string): SubgraphModel {
  const document = parse(sdl);
  const types = new Map<string, TypeModel>();
  for (const definition of document.definitions) addDefinition(types, definition);
  return { document, types };
}

/** Whether a type is part of the product's published interface. */
export function isPublishedType(type: TypeModel): boolean {
  return !type.inaccessible && !type.name.startsWith('_');
}

/**
 * Whether a field is published by this product: it resolves it itself (not `@external`)
 * and neither the field nor its type is `@inaccessible`.
 */
export function isPublishedField(type: TypeModel, field: FieldModel): boolean {
  return isPublishedType(type) && !field.inaccessible && !field.external;
}

/** Published output fields: the ones that carry a classification. */
export function* publishedOutputFields(model: SubgraphModel): Generator<FieldModel> {
  for (const type of model.types.values()) {
    if (type.kind !== 'object' && type.kind !== 'interface') continue;
    for (const field of type.fields.values()) if (isPublishedField(type, field)) yield field;
  }
}

/** One field a federation selection (`@key`, `@requires`, `@provides`) names. */
export interface SelectedField {
  /** `Type.field` of the field itself. */
  coordinate: string;
  /** Path from the selection's root type, e.g. `Customer.orderSummary.totalSpentUsd`. */
  path: string;
  /** Whether the selection goes no deeper than this field. */
  leaf: boolean;
}

/**
 * Resolves a federation field set such as `orderSummary { orderCount }` against the
 * product's own types. Fields the model does not know are still returned, so the
 * boundary rules can name them.
 */
export function selectFields(model: SubgraphModel, rootType: string, fieldSet: string): SelectedField[] {
  const selectionSet = parseFieldSet(fieldSet);
  if (!selectionSet) return [];
  const selected: SelectedField[] = [];
  const walk = (set: SelectionSetNode, typeName: string, path: string): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, selection.typeCondition?.name.value ?? typeName, path);
        continue;
      }
      if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
      const name = selection.name.value;
      const field = model.types.get(typeName)?.fields.get(name);
      selected.push({ coordinate: `${typeName}.${name}`, path: `${path}.${name}`, leaf: !selection.selectionSet });
      if (selection.selectionSet && field) walk(selection.selectionSet, field.returnType, `${path}.${name}`);
    }
  };
  walk(selectionSet, rootType, rootType);
  return selected;
}

/** A federation field set as a selection set; undefined when it does not parse (composition reports that). */
export function parseFieldSet(fieldSet: string): SelectionSetNode | undefined {
  try {
    const operation = parse(`{ ${fieldSet} }`).definitions[0];
    return operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet : undefined;
  } catch {
    return undefined;
  }
}

/** The sunset date (`YYYY-MM-DD`) a deprecation reason names, e.g. "Use x. Sunset 2026-01-31". */
export function sunsetDate(reason: string | undefined): string | undefined {
  return reason ? /\bsunset:?\s+(\d{4}-\d{2}-\d{2})\b/i.exec(reason)?.[1] : undefined;
}
