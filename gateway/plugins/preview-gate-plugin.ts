import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { execute, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { callerApiSchema, previewOptedIn, type PreviewOptIn } from '../access/caller-view.ts';
import { previewApiSchema } from '../access/preview-api-schema.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { stripSuggestions } from '../access/error-suggestions.ts';
import { introspectionPart, usesIntrospection, type IntrospectionPart } from '../operation/introspection-part.ts';
import { fieldsUsed } from '../operation/operation-fields.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';

export type PreviewGateOptions = PreviewOptIn;

/**
 * Preview before release: a field tagged `@tag(name: "preview")` does not exist for a
 * client that has not opted in. Asking for it fails like an unknown field, with
 * PREVIEW_FIELD_NOT_ENABLED. Every introspection answer such a client gets comes from the
 * API schema without the preview fields (and the types only they reach), whether the
 * operation introspects alone or beside data, directly, in fragments or under aliases; and
 * no error suggests a preview name ("Did you mean …?"). Promotion is deleting the tag.
 *
 * Introspection is answered from that schema rather than filtered out of the answer:
 * graphql-js then computes every introspection field (`possibleTypes`, `ofType` chains,
 * `__type` of a type only a preview field returned) the way it would for a schema that
 * never had them, where a filter over answer JSON would have to know every place a name
 * can appear.
 */
export function previewGatePlugin(options: PreviewGateOptions, onSupergraph: OnSupergraph): ApolloServerPlugin<GatewayContext> {
  // `Type.field` coordinates tagged preview in the current supergraph, swapped whole on every (re)load.
  let previewFields: ReadonlySet<string> = new Set();
  onSupergraph((model) => (previewFields = model.previewFields));
  return {
    async requestDidStart({ contextValue }) {
      const optedIn = previewOptedIn(contextValue.headers, contextValue.principal, options);
      // Callers of one API schema variant share answers, never across variants.
      contextValue.previewOptIn = optedIn;
      if (optedIn) return;
      // Seen by this request: nothing to hide in a supergraph without preview fields.
      const hidden = previewFields;
      if (hidden.size === 0) return;
      // Set when the operation introspects beside data: the gateway answers it, with the
      // full API schema, and the introspection keys are answered again before sending.
      let introspectedBesideData: IntrospectionPart | undefined;
      return {
        async didResolveOperation({ schema, document, operation }) {
          const used = previewFieldsUsed(schema, document, hidden);
          if (used.length > 0) {
            const [type, field] = used[0]!.split('.');
            throw new MeshError(MeshErrorCode.PREVIEW_FIELD_NOT_ENABLED, `Cannot query field "${field}" on type "${type}": it is a preview field. Send "${options.header}: true" to opt in.`, {
              endsRequest: true,
            });
          }
          if (!operation || !usesIntrospection(document)) return;
          const part = introspectionPart(document, operation);
          if (part.nested) {
            // Only root keys can be answered again; below the root the full schema's answer would go out.
            throw new MeshError(MeshErrorCode.INTROSPECTION_DISABLED, 'Introspection is answered at the root only: select __schema and __type on the query root', { endsRequest: true });
          }
          if (!part.only) introspectedBesideData = part;
        },
        // Introspection alone is answered here, from the caller's API schema (the one /mcp and the catalog name fields by); no product is asked.
        async responseForOperation({ schema, document, operation, request }) {
          if (!operation || !usesIntrospection(document) || !introspectionPart(document, operation).only) return null;
          const result = await execute({ schema: callerApiSchema(schema, hidden, optedIn), document, operationName: request.operationName, variableValues: request.variables });
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: result } };
        },
        async willSendResponse({ schema, response, operation, request }) {
          if (!schema) return;
          const previewFree = previewApiSchema(schema, hidden);
          stripSuggestions(response, previewFree.hiddenNames);
          if (introspectedBesideData && operation && response.body.kind === 'single') {
            response.body.singleResult.data = await answerIntrospectionAgain(response.body.singleResult.data, introspectedBesideData, previewFree.schema, operation, request.variables);
          }
        },
      };
    },
  };
}

/**
 * The gateway's answer with its introspection keys answered again from `schema`. The data
 * tree may be shared with other callers (coalescing, answer cache): it is copied, never
 * changed. Were the introspection part to fail on its own, its keys go out null rather
 * than as the full schema answered them.
 */
async function answerIntrospectionAgain(
  data: Record<string, unknown> | null | undefined,
  part: IntrospectionPart,
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): Promise<Record<string, unknown> | null | undefined> {
  if (!data || !part.document) return data;
  const answered = await execute({ schema, document: part.document, operationName: operation.name?.value, variableValues: variables });
  const again: Record<string, unknown> = {};
  for (const key of part.responseKeys) if (key in data) again[key] = answered.data?.[key] ?? null;
  return { ...data, ...again };
}

function previewFieldsUsed(schema: GraphQLSchema, document: DocumentNode, previewFields: ReadonlySet<string>): string[] {
  if (previewFields.size === 0) return [];
  return fieldsUsed(schema, document)
    .map((use) => use.coordinate)
    .filter((coordinate) => previewFields.has(coordinate));
}
