import type { ApolloServerPlugin } from '@apollo/server';
import type { AgreementAccess } from '../access/agreement-access.ts';
import { FieldAccess } from '../access/field-access.ts';
import { enforceOperationAccess, type AccessMode } from '../access/operation-access.ts';
import { applyDenials, type DeniedField } from '../access/operation-pruning.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';

/**
 * Enforces field-level access that Apollo Gateway leaves to the Router: `@authenticated`,
 * `@requiresScopes`, `@policy`, classification scopes and access agreements (decided in gateway/access/). The
 * decision is made on the validated operation before it is planned, so a denied field is
 * never fetched from any product.
 */
export function accessPolicyPlugin(options: { mode: AccessMode; agreements?: AgreementAccess | undefined; onSupergraph: OnSupergraph }): ApolloServerPlugin<GatewayContext> {
  const access = new FieldAccess(options.agreements);
  options.onSupergraph((model) => access.load(model));
  return {
    async requestDidStart() {
      let denied: DeniedField[] = [];
      return {
        async didResolveOperation(requestContext) {
          denied = enforceOperationAccess(requestContext, access, options.mode);
          // Fields denied inside a @defer fragment are answered in its part (`deliverDeferred`).
          if (requestContext.contextValue.incremental) denied = requestContext.contextValue.incremental.holdDeferredDenials(denied);
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
