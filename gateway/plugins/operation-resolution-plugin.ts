import type { ApolloServerPlugin } from '@apollo/server';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';

/**
 * Refuses, with a client error, operations the gateway cannot pick or run. Apollo Server
 * would hand them to the executor, which cannot run them and fails with a 500: an
 * unknown `operationName`, several operations without one, or a mutation against a
 * supergraph with no Mutation type (graphql 16 validation does not check root types).
 */
export function operationResolutionPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName, schema }) {
          if (!operation) {
            throw new MeshError(
              MeshErrorCode.OPERATION_RESOLUTION_FAILURE,
              operationName ? `Unknown operation named "${operationName}"` : 'The document has several operations: name the one to run with operationName',
              { endsRequest: true },
            );
          }
          if (!schema.getRootType(operation.operation)) {
            throw new MeshError(MeshErrorCode.GRAPHQL_VALIDATION_FAILED, `The mesh has no ${operation.operation} operations`, { endsRequest: true });
          }
        },
      };
    },
  };
}
