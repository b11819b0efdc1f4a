import type { Agent } from '../../schema/base/undici-core.ts';
import type { FetchStep } from './fetch-layer.ts';
import { postToProduct, productAddress, type ProductHttpAnswer } from './product-request.ts';

/**
 * The innermost step: the fetch's body and headers posted to the product over the shared
 * undici pool, its answer read in full within the product's timeout and size limit. Any
 * status comes back; what it means is for the layers above.
 */
export function wireCall(options: { product: string; url: string; agent: Agent; timeoutMs: number; maxResponseBytes: number }): FetchStep<ProductHttpAnswer> {
  const { product, agent, timeoutMs, maxResponseBytes } = options;
  const address = productAddress(options.url);
  return (fetch) => postToProduct({ agent, address, product, timeoutMs, maxBytes: maxResponseBytes, headers: fetch.headers, body: fetch.body });
}
