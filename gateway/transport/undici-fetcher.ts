import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, fetch, Response } from 'undici';
import { MeshError, MeshErrorCode } from '../error-codes.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/** The keep-alive pool every product fetch shares: undici keeps one pool per origin. */
export function createProductAgent(options: { connectionsPerProduct: number; keepAliveTimeoutMs: number }): Agent {
  return new Agent({
    connections: options.connectionsPerProduct,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  });
}

/**
 * A `RemoteGraphQLDataSource` fetcher over the shared undici pool, bounded by the product's
 * timeout. The timeout covers headers *and* body: the body is read here, so a product that
 * stalls mid-body times out as PRODUCT_TIMEOUT too instead of hanging the request.
 * Transport failures become coded errors naming the product, which the retry policy and
 * the breaker read.
 */
export function createUndiciFetcher(options: { agent: Agent; product: string; timeoutMs: number }): Fetcher {
  const { agent, product, timeoutMs } = options;
  return async (url: string, init: Parameters<Fetcher>[1] = {}) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal, dispatcher: agent });
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (signal.aborted) {
        throw new MeshError(MeshErrorCode.PRODUCT_TIMEOUT, `Data product "${product}" did not answer within ${timeoutMs} ms`, { extensions: { product } });
      }
      // No detail from the socket error: it would name internal hosts and ports.
      throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${product}" is unavailable`, { extensions: { product } });
    }
  };
}
