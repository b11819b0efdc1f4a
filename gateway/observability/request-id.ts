import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { MeshError } from '../../schema/protocol/error-codes.ts';

/**
 * The request id, whole: made when a request arrives, written on its response, carried on
 * the context (logs read it there), forwarded to every product fetched for it, and stamped
 * on every error the client receives. A report from a client quoting the id finds the
 * gateway's log line and each product's. The HTTP routes, the upstream fetch and the
 * request-id plugin all call in here, so the concern has one room below every stage that
 * uses it.
 *
 * The gateway always makes its own id rather than adopting one a client sends: a client
 * could otherwise reuse another caller's id and muddle whose log lines are whose.
 */
const REQUEST_ID_HEADER = 'x-request-id';

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
export function forwardRequestId(context: { requestId?: string }, headers: Record<string, string>): void {
  if (context.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
}

/** On the way back: each error the client receives, naming the request. */
export function stampRequestId(errors: readonly GraphQLFormattedError[], requestId: string): GraphQLFormattedError[] {
  return errors.map((error) => ({ ...error, extensions: { ...error.extensions, requestId } }));
}
