import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayConfig } from '../config.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { checkShape } from '../operation/document-limits.ts';

/**
 * The document shape limits, again, once the operation is resolved: for documents that
 * arrive without text (APQ hashes and persisted operations). Documents with text are
 * checked by the HTTP layer before Apollo sees them, because Apollo Server turns an error
 * thrown from its parsing or validation hooks into a 500.
 */
export function requestLimitsPlugin(limits: GatewayConfig['limits']): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document }) {
          checkShape(document, limits);
        },
      };
    },
  };
}
