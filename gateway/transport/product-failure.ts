import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * What the client learns when a product refuses the gateway's request (HTTP 401: it did not
 * accept the signature, a key mismatch and an operator's problem): the product's name and
 * a code, never its URL, status text or body. Apollo Gateway's default error carries all
 * three in `extensions.response`.
 */
export function productAnsweredError(product: string, response: { status: number }): MeshError {
  return new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${product}" refused the request (HTTP ${response.status}).`, { extensions: { product } });
}
