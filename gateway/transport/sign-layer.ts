import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import type { FetchLayer, ProductFetch } from './fetch-layer.ts';
import type { ProductHttpAnswer } from './product-request.ts';
import type { ProductSigner } from './product-signing-keys.ts';
import { readSignatureRefusal, type SignatureRefusals } from './signature-refusals.ts';

/**
 * Signs each attempt afresh over exactly the bytes sent, and reads the product's refusal
 * of the signature, so signing stays whole in one place both ways. A refusal (HTTP 401) is
 * a key mismatch between gateway and product: the operator's problem, logged and counted
 * with the product's reason, and the client learns only PRODUCT_ERROR naming the product
 * (never its URL, status text or body, which Apollo's default error would carry).
 */
export function signLayer(options: { product: string; signer: ProductSigner; refusals?: SignatureRefusals }): FetchLayer<ProductHttpAnswer> {
  const { product, signer, refusals } = options;
  return (next) => {
    const send = async (fetch: ProductFetch, signature: string): Promise<ProductHttpAnswer> => {
      fetch.headers[SIGNATURE_HEADER] = signature;
      const answer = await next(fetch);
      if (answer.status !== 401) return answer;
      const refusal = readSignatureRefusal(product, /;kid=([^;]*);/.exec(signature)?.[1] ?? 'none', answer.text);
      refusals?.record(refusal);
      if (refusal.reason === 'unknown-key') signer.keyRefused(product);
      throw new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${product}" refused the request (HTTP ${answer.status}).`, { extensions: { product } });
    };
    return (fetch) => {
      // Answers at once when the key is held: no promise to wait on for all but a new product's first fetch.
      const signature = signer.sign(product, fetch.body);
      return typeof signature === 'string' ? send(fetch, signature) : signature.then((awaited) => send(fetch, awaited));
    };
  };
}
