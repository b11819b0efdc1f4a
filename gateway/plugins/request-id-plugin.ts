import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';
import { stampRequestId } from '../observability/request-id.ts';

/** On the way back: every error the client receives names the request. Runs after masking, so the id survives it. */
export function requestIdPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = stampRequestId(errors, contextValue.requestId);
        },
      };
    },
  };
}
