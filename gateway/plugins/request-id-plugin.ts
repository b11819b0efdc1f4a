import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { MeshError } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';

/**
 * The request id, whole: made when a GraphQL request arrives, written on its response,
 * carried on the context (logs read it there), forwarded to every product fetched for it,
 * and stamped on every error the client receives. A report from a client quoting the id
 * finds the gateway's log line and each product's.
 *
 * The gateway always makes its own id rather than adopting one a client sends: a client
 * could otherwise reuse another caller's id and muddle whose log lines are whose.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * On the way in: a new id, on the response from its first byte, so even a request refused
 * before Apollo sees it (body too large, bad JSON) can be quoted back.
 */
export function assignRequestId(res: ServerResponse): string {
  const requestId = randomUUID();
  res.setHeader(REQUEST_ID_HEADER, requestId);
  return requestId;
}

/**
 * Puts the id on the context Apollo builds. A refusal raised while building it
 * (authentication) ends the request before any plugin runs, so it gets the id here.
 */
export function withRequestId<T extends object>(requestId: string, build: () => Promise<T>): () => Promise<T & { requestId: string }> {
  return async () => {
    try {
      return { ...(await build()), requestId };
    } catch (error) {
      if (!(error instanceof MeshError)) throw error;
      throw new MeshError(error.code, error.message, { extensions: { ...error.extensions, requestId } });
    }
  };
}

/** On the way out to a product: the id of the request the fetch serves, when there is one (schema loads and health checks have none). */
export function forwardRequestId(context: Partial<GatewayContext>, headers: Record<string, string>): void {
  if (context.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
}

/** On the way back: every error the client receives names the request. Runs after masking, so the id survives it. */
export function requestIdPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) => ({
            ...error,
            extensions: { ...error.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
