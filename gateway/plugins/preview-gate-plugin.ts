import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { buildASTSchema, execute, Kind, parse, printSchema, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { fieldsUsed } from '../operation/operation-fields.ts';
import { previewFieldsOf, readFieldDirectives } from '../supergraph/supergraph-directives.ts';

export interface PreviewGateOptions {
  /** Request header that opts in with the value `true`. */
  header: string;
  /** Token scope that opts in. */
  scope: string;
}

/**
 * Preview before release: a field tagged `@tag(name: "preview")` does not exist
 * for a client that has not opted in. Asking for it fails like an unknown field, with
 * PREVIEW_FIELD_NOT_ENABLED, and introspection leaves it out. Promotion is deleting the tag.
 */
export function previewGatePlugin(options: PreviewGateOptions): ApolloServerPlugin<GatewayContext> {
  const withoutPreview = new WeakMap<GraphQLSchema, GraphQLSchema>();
  // `Type.field` coordinates tagged preview in the current supergraph, swapped whole on every (re)load.
  let previewFields: ReadonlySet<string> = new Set();
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ coreSupergraphSdl }) {
          if (coreSupergraphSdl) previewFields = previewFieldsOf(readFieldDirectives(coreSupergraphSdl));
        },
      };
    },
    async requestDidStart({ contextValue }) {
      const optedIn = contextValue.headers[options.header]?.toLowerCase() === 'true' || contextValue.principal.scopes.has(options.scope);
      if (optedIn) return;
      return {
        async didResolveOperation({ schema, document }) {
          const used = previewFieldsUsed(schema, document, previewFields);
          if (used.length === 0) return;
          const [type, field] = used[0]!.split('.');
          throw new MeshError(
            MeshErrorCode.PREVIEW_FIELD_NOT_ENABLED,
            `Cannot query field "${field}" on type "${type}": it is a preview field. Send "${options.header}: true" to opt in.`,
            { endsRequest: true },
          );
        },
        // Introspection answers from the API schema without the preview fields.
        async responseForOperation({ schema, document, operation, request }) {
          if (!operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'))) return null;
          let filtered = withoutPreview.get(schema);
          if (!filtered) withoutPreview.set(schema, (filtered = removeFields(schema, previewFields)));
          const result = await execute({ schema: filtered, document, operationName: request.operationName, variableValues: request.variables });
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: result } };
        },
      };
    },
  };
}

export function previewFieldsUsed(schema: GraphQLSchema, document: DocumentNode, previewFields: ReadonlySet<string>): string[] {
  if (previewFields.size === 0) return [];
  return fieldsUsed(schema, document).map((use) => use.coordinate).filter((coordinate) => previewFields.has(coordinate));
}

function removeFields(schema: GraphQLSchema, coordinates: ReadonlySet<string>): GraphQLSchema {
  const document = parse(printSchema(schema));
  const pruned = visit(document, {
    FieldDefinition(node, _key, _parent, _path, ancestors) {
      // The nearest ancestor that is a node (not the `fields` array) is the owning type.
      const owner = [...ancestors].reverse().find((ancestor) => !Array.isArray(ancestor) && 'name' in ancestor);
      const typeName = owner && 'name' in owner ? owner.name?.value : '';
      return coordinates.has(`${typeName}.${node.name.value}`) ? null : undefined;
    },
  });
  return buildASTSchema(pruned);
}
