import type { ApolloServerPlugin } from '@apollo/server';
import { maskError } from '../access/error-masking.ts';
import type { GatewayContext } from '../gateway-context.ts';

/**
 * Masks every error the client receives: an unexpected message is a backdoor to a product's
 * internals. Each error keeps its path and locations and carries exactly: `code` (one of `MeshErrorCode`), `product` when a
 * data product raised it, and the request id (added by the request-id plugin). Apollo
 * Gateway's own additions are dropped: `extensions.response` (the product's URL, status
 * and body), `serviceName`, `exception` and stack traces.
 *
 * The kit already masks errors inside each product; this is the second wall, for products
 * built without the kit or started with details exposed.
 */
export function errorMaskingPlugin(options: { exposeDetails: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors) response.body.singleResult.errors = errors.map((error) => maskError(error, options.exposeDetails));
        },
      };
    },
  };
}
