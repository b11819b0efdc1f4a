import type { ApolloServerPlugin } from '@apollo/server';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayConfig } from '../config.ts';
import { deferredFragments } from '../execution/deferred-fragments.ts';
import type { GatewayContext } from '../gateway-context.ts';

/**
 * `@defer`, admitted or refused before anything is planned:
 * - a client that cannot read parts (its Accept header does not take
 *   `multipart/mixed;deferSpec=20220824`) gets DEFER_NOT_ACCEPTABLE (406), as Apollo Router
 *   and Apollo Server answer it, rather than an answer shaped otherwise than it asked;
 * - too many fragments, nesting too deep, or two at one path that no label tells apart (the
 *   client could not tell their parts apart either) get DEFER_LIMIT_EXCEEDED;
 * - otherwise the request is marked deferring: the executor answers the first part and the
 *   HTTP route writes the rest as they come (`deliverDeferred`).
 */
export function deferPlugin(limits: Pick<GatewayConfig['limits'], 'maxDefers' | 'maxDeferDepth'>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          const incremental = contextValue.incremental;
          if (!incremental || !operation) return;
          const fragments = deferredFragments(document, operation, request.variables ?? {});
          if (fragments.length === 0) return;
          const refuse = (code: MeshErrorCode, message: string) => new MeshError(code, message, { endsRequest: true });
          if (!incremental.accepted) {
            throw refuse(MeshErrorCode.DEFER_NOT_ACCEPTABLE, "The operation uses @defer but the client does not accept multipart/mixed responses; send 'Accept: multipart/mixed;deferSpec=20220824'");
          }
          if (fragments.length > limits.maxDefers) throw refuse(MeshErrorCode.DEFER_LIMIT_EXCEEDED, `The operation has ${fragments.length} @defer fragments; at most ${limits.maxDefers} are allowed`);
          const depth = Math.max(...fragments.map((f) => f.depth));
          if (depth > limits.maxDeferDepth) throw refuse(MeshErrorCode.DEFER_LIMIT_EXCEEDED, `@defer is nested ${depth} deep; at most ${limits.maxDeferDepth} is allowed`);
          if (new Set(fragments.map((f) => f.key)).size !== fragments.length) {
            throw refuse(MeshErrorCode.DEFER_LIMIT_EXCEEDED, 'Two @defer fragments at the same path need distinct labels');
          }
          incremental.deferring = true;
          incremental.fragments = fragments;
        },
      };
    },
  };
}
