import { GraphQLError } from 'graphql';
import { MeshError, MeshErrorCode } from '../error-codes.ts';

/**
 * What the client learns when a product fails as a whole (a non-2xx answer, a refused
 * connection): the product's name and a code, never its URL, status text or body. Apollo
 * Gateway's default error carries all three in `extensions.response`.
 */
export function productAnsweredError(product: string, response: { status: number }): MeshError {
  // 401 here means the product refused the gateway's signature: a key mismatch, an operator's problem.
  return new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${product}" refused the request (HTTP ${response.status}).`, { extensions: { product } });
}

export function productUnreachableError(product: string, error: Error): GraphQLError {
  // Coded errors and a product's own GraphQL answer (see ProductDataSource.errorFromResponse) pass as they are.
  if (error instanceof GraphQLError) return error;
  return new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${product}" could not be reached.`, { extensions: { product } });
}
