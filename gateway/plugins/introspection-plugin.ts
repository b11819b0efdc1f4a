import type { ApolloServerPlugin } from '@apollo/server';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { stripSuggestions } from '../access/error-suggestions.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { usesIntrospection } from '../operation/introspection-part.ts';

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
