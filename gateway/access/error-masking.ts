import type { GraphQLFormattedError } from 'graphql';
import { isMeshErrorCode, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * Codes whose message is written for the client (by us or by graphql-js) and names nothing
 * internal: argument checks, validation, access decisions. Every other error gets a generic
 * message, because a message is the easiest backdoor there is: a DuckDB error quotes the
 * SQL, its tables and columns; a fetch error quotes the product's URL.
 */
const CLIENT_MESSAGE_CODES = new Set<string>(Object.values(MeshErrorCode).filter((code) => code !== MeshErrorCode.INTERNAL_SERVER_ERROR && code !== MeshErrorCode.PRODUCT_ERROR));

/**
 * One error as the client may see it: path, locations, `code` from {@link MeshErrorCode},
 * `product` when a data product raised it, the request id and the details written for the
 * client. Its message is kept only where the code's messages are written for the client (or
 * details are exposed); any other gets a generic one. Whole answers and deferred parts alike.
 */
export function maskError(error: GraphQLFormattedError, exposeDetails: boolean): GraphQLFormattedError {
  const extensions = error.extensions ?? {};
  const product = typeof extensions.product === 'string' ? extensions.product : typeof extensions.serviceName === 'string' ? extensions.serviceName : undefined;
  const raw = typeof extensions.code === 'string' ? extensions.code : undefined;
  const code = isMeshErrorCode(raw) ? raw : product ? MeshErrorCode.PRODUCT_ERROR : MeshErrorCode.INTERNAL_SERVER_ERROR;
  let message = error.message;
  if (!CLIENT_MESSAGE_CODES.has(code) && !exposeDetails) {
    // A PRODUCT_ERROR with no product is the gateway's own finding about the products' answers
    // (a broken key chain, an @interfaceObject no product can name): its details name internals,
    // but the client is still told it is the data, not the gateway, that failed.
    message = product
      ? `Data product "${product}" failed to resolve this part of the query.`
      : code === MeshErrorCode.PRODUCT_ERROR
        ? 'No data product could complete this part of the query.'
        : 'Unexpected error.';
  }
  return {
    message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: {
      code,
      ...(product ? { product } : {}),
      ...(typeof extensions.requestId === 'string' ? { requestId: extensions.requestId } : {}),
      ...(exposeDetails && extensions.stacktrace ? { stacktrace: extensions.stacktrace } : {}),
      ...safeDetails(extensions),
    },
  };
}

/**
 * Details the gateway itself attaches for the client's benefit and that name nothing
 * internal: the cost estimate and budget of a refused operation, the state of a product's
 * circuit breaker. Only these exact shapes pass; anything else is dropped.
 */
function safeDetails(extensions: Record<string, unknown>): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  const cost = extensions.cost as { estimated?: unknown; max?: unknown } | undefined;
  if (cost && typeof cost.estimated === 'number' && typeof cost.max === 'number') details.cost = { estimated: cost.estimated, max: cost.max };
  if (extensions.breaker === 'open' || extensions.breaker === 'half-open') details.breaker = extensions.breaker;
  return details;
}
