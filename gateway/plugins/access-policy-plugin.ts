import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { fieldRefusal, type FieldAccess } from '../access/field-access.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { applyDenials, pruneOperation, type DeniedField } from '../access/operation-pruning.ts';

export interface AccessPolicyOptions {
  /** `filter`: null + FORBIDDEN_FIELD per denied field; `reject`: FORBIDDEN_OPERATION for the whole operation. */
  mode: 'filter' | 'reject';
  /** The current rules; they change when a new supergraph is loaded. */
  access: () => FieldAccess;
}

/**
 * Enforces field-level access that Apollo Gateway leaves to the Router: `@authenticated`,
 * `@requiresScopes`, `@policy` and classification scopes. The decision is made on the
 * validated operation before it is planned, so a denied field is never fetched from any
 * product: in filter mode it is cut out of the document the gateway plans.
 */
export function accessPolicyPlugin(options: AccessPolicyOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let denied: DeniedField[] = [];
      return {
        async didResolveOperation(requestContext) {
          const { schema, document, operation, contextValue } = requestContext;
          if (!operation) return; // the gateway refuses a document without the named operation itself
          const access = options.access();
          const result = pruneOperation(schema, document, operation, (coordinate) => fieldRefusal(access, coordinate, contextValue.principal));
          if (result.denied.length === 0) return;
          if (options.mode === 'reject') {
            const reasons = [...new Set(result.denied.map((field) => `${field.coordinate} ${field.reason}`))];
            throw new MeshError(MeshErrorCode.FORBIDDEN_OPERATION, `Not authorized: ${reasons.join('; ')}`, { endsRequest: true });
          }
          replaceDocument(requestContext, result.document, result.operation);
          denied = result.denied;
        },
        async willSendResponse({ response }) {
          if (denied.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const { data, errors } = applyDenials(result.data, denied);
          result.data = data;
          result.errors = [...errors, ...(result.errors ?? [])];
        },
      };
    },
  };
}

/**
 * Hands the pruned document to the gateway. The query hash must change with it: Apollo
 * Gateway caches query plans by that hash, and a plan made for a caller who may see a field
 * must never serve one who may not (nor the reverse).
 */
function replaceDocument(requestContext: GraphQLRequestContextDidResolveOperation<GatewayContext>, document: DocumentNode, operation: OperationDefinitionNode): void {
  const writable = requestContext as { document: DocumentNode; operation: OperationDefinitionNode; queryHash: string };
  writable.document = document;
  writable.operation = operation;
  writable.queryHash = createHash('sha256').update(print(document)).digest('hex');
  requestContext.contextValue.operationPruned = true;
}
