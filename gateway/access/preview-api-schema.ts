import {
  buildASTSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  parse,
  printSchema,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { memoByPair } from '../primitives/pair-memo.ts';

/** The API schema as a caller who has not opted in to preview sees it. */
export interface PreviewApiSchema {
  /** The API schema without preview fields, and without the types only they reach. */
  readonly schema: GraphQLSchema;
  /**
   * Every name the caller must not learn from us: the preview fields, their arguments and
   * the types that are gone. A "Did you mean" suggestion naming one is not sent.
   */
  readonly hiddenNames: ReadonlySet<string>;
}

/**
 * The API schema without the preview fields (`Type.field` coordinates), built once per
 * schema and set of coordinates. A type that only preview fields reached (an object a
 * preview field returns, an input type only a preview field's argument takes) goes too:
 * otherwise `__schema { types }` and `__type(name:)` would still name it.
 */
export function previewApiSchema(schema: GraphQLSchema, previewFields: ReadonlySet<string>): PreviewApiSchema {
  return built(previewFields, schema);
}

const built = memoByPair((previewFields: ReadonlySet<string>, schema: GraphQLSchema) => build(schema, previewFields));

function build(schema: GraphQLSchema, previewFields: ReadonlySet<string>): PreviewApiSchema {
  const hiddenNames = new Set<string>();
  for (const coordinate of previewFields) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[fieldName] : undefined;
    if (!field) continue;
    hiddenNames.add(fieldName);
    for (const arg of field.args) hiddenNames.add(arg.name);
  }
  const withoutFields = visit(parse(printSchema(schema)), {
    FieldDefinition(node, _key, _parent, _path, ancestors) {
      // The nearest ancestor that is a node (not the `fields` array) is the owning type.
      const owner = [...ancestors].reverse().find((ancestor) => !Array.isArray(ancestor) && 'name' in ancestor);
      const typeName = owner && 'name' in owner ? owner.name?.value : '';
      return previewFields.has(`${typeName}.${node.name.value}`) ? null : undefined;
    },
  });
  const unreachable = unreachableTypes(buildASTSchema(withoutFields));
  for (const name of unreachable) hiddenNames.add(name);
  const definitions = withoutFields.definitions.filter((definition) => !unreachable.has(nameOf(definition) ?? ''));
  const pruned: DocumentNode = { ...withoutFields, definitions };
  return { schema: buildASTSchema(pruned), hiddenNames };
}

function nameOf(definition: DefinitionNode): string | undefined {
  return 'name' in definition && definition.name?.kind === Kind.NAME ? definition.name.value : undefined;
}

/**
 * Named types nothing reaches from the root types or the directives. An interface reaches
 * every type that implements it: a query can ask for any of them with an inline fragment.
 */
function unreachableTypes(schema: GraphQLSchema): Set<string> {
  const reached = new Set<string>();
  const pending: GraphQLNamedType[] = [];
  const reach = (type: GraphQLNamedType | null | undefined) => {
    if (type && !reached.has(type.name)) {
      reached.add(type.name);
      pending.push(type);
    }
  };
  reach(schema.getQueryType());
  reach(schema.getMutationType());
  reach(schema.getSubscriptionType());
  for (const directive of schema.getDirectives()) for (const arg of directive.args) reach(getNamedType(arg.type));
  while (pending.length > 0) {
    const type = pending.pop()!;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        reach(getNamedType(field.type));
        for (const arg of field.args) reach(getNamedType(arg.type));
      }
      for (const implemented of type.getInterfaces()) reach(implemented);
      if (isInterfaceType(type)) {
        const { objects, interfaces } = schema.getImplementations(type);
        for (const implementation of [...objects, ...interfaces]) reach(implementation);
      }
    } else if (isUnionType(type)) {
      for (const member of type.getTypes()) reach(member);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) reach(getNamedType(field.type));
    }
  }
  const unreachable = new Set<string>();
  for (const name of Object.keys(schema.getTypeMap())) {
    const type = schema.getType(name)!;
    if (!reached.has(name) && !name.startsWith('__') && !isSpecifiedScalarType(type)) unreachable.add(name);
  }
  return unreachable;
}
