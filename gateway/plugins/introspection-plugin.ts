import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { memoizeByDocument } from '../operation/document-memo.ts';

/**
 * Switches introspection off with its own code. Apollo Server's `introspection: false`
 * refuses with GRAPHQL_VALIDATION_FAILED, which a client cannot tell from a typo; this
 * plugin refuses with INTROSPECTION_DISABLED instead. `__typename` stays allowed: clients
 * need it to read unions and interfaces.
 *
 * With introspection off, no error suggests a name either: "Did you mean" is introspection
 * one guess at a time. Apollo's `hideSchemaDetailsFromClientErrors` strips validation
 * errors only, and a variable's value is checked later, at execution, where graphql-js
 * suggests input fields and enum values too; this strips every error the client receives.
 */
export function introspectionPlugin(options: { enabled: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (options.enabled) return;
      return {
        async didResolveOperation({ document }) {
          if (usesIntrospection(document)) {
            throw new MeshError(MeshErrorCode.INTROSPECTION_DISABLED, 'Introspection is disabled on this gateway', { endsRequest: true });
          }
        },
        async willSendResponse({ response }) {
          stripSuggestions(response);
        },
      };
    },
  };
}

/** How graphql-js appends suggestions to a message: ` Did you mean "a", "b", or "c"?`. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Removes the "Did you mean …?" of every error in the response: all of them, or with
 * `naming`, those that name any of these names (the whole suggestion goes, not the one
 * name, so what is left cannot be read against what was there).
 */
export function stripSuggestions(response: GraphQLResponse, naming?: ReadonlySet<string>): void {
  if (response.body.kind !== 'single') return;
  const { errors } = response.body.singleResult;
  if (!errors?.some((error) => SUGGESTION.test(error.message))) return;
  response.body.singleResult.errors = errors.map((error) => {
    const suggestion = SUGGESTION.exec(error.message);
    if (!suggestion) return error;
    if (naming && ![...suggestion[1]!.matchAll(/"([^"]+)"/g)].some(([, name]) => naming.has(name!))) return error;
    return { ...error, message: error.message.slice(0, suggestion.index) };
  });
}

/** Whether the document asks for `__schema` or `__type`; walked once per document. */
export const usesIntrospection: (document: DocumentNode) => boolean = memoizeByDocument(findIntrospection);

function findIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
