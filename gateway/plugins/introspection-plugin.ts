import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit, type DocumentNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { memoizeByDocument } from '../operation/document-memo.ts';

/**
 * Switches introspection off with its own code. Apollo Server's `introspection: false`
 * refuses with GRAPHQL_VALIDATION_FAILED, which a client cannot tell from a typo; this
 * plugin refuses with INTROSPECTION_DISABLED instead. `__typename` stays allowed: clients
 * need it to read unions and interfaces.
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
      };
    },
  };
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
