import { MeshError } from '../../schema/protocol/error-codes.ts';
import type { FetchLayer, GatewayGraphQLResponse, ProductAnswer } from './fetch-layer.ts';

/**
 * Fetches in flight by key: the first caller for a key starts the work, callers that arrive
 * before it settles join it, and nothing is remembered once it settles. The gateway's
 * Singleflight is one.
 */
export interface InFlight<T> {
  join(key: string, start: () => Promise<T>): { shared: boolean; result: Promise<T> };
}

/**
 * Identical query fetches in flight at once share one request to the product. Only
 * queries share, and only fetches whose request is nothing but the body and the forwarded
 * caller claims: the same request to the same product gets the same answer whoever asks.
 * Headers the executor adds (Apollo's federated-trace request) opt a fetch out. The caller
 * that fetched keeps the parsed body; every other caller parses the text for its own copy,
 * and gets its own error object, since each reports a failure at its own path.
 */
export function dedupeLayer(options: { flights: InFlight<ProductAnswer>; onShared?: () => void }): FetchLayer<ProductAnswer> {
  const { flights, onShared } = options;
  return (next) => async (fetch) => {
    if (fetch.operationType !== 'query' || fetch.ownHeaders) return next(fetch);
    const flight = flights.join(fetch.claimsKey ? `${fetch.claimsKey}\n${fetch.body}` : fetch.body, () => next(fetch));
    if (!flight.shared) return flight.result;
    onShared?.();
    let answer: ProductAnswer;
    try {
      answer = await flight.result;
    } catch (error) {
      throw error instanceof MeshError ? new MeshError(error.code, error.message, { extensions: error.extensions }) : error;
    }
    return { ...answer, body: JSON.parse(answer.text) as GatewayGraphQLResponse };
  };
}
