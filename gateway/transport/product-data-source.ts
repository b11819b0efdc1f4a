import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from '../gateway-context.ts';
import type { SubgraphFetcher } from './undici-fetcher.ts';

/**
 * The one data source every subgraph fetch goes through. It knows which product it talks
 * to, so errors, metrics and signatures can name the product.
 */
export class ProductDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly product: string;

  /** `fetcher` replaces Apollo's default make-fetch-happen stack (see undici-fetcher.ts). */
  constructor(options: { product: string; url: string; fetcher?: SubgraphFetcher }) {
    super({ url: options.url, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
    this.product = options.product;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const context = options.context as Partial<GatewayContext>;
    if (context.requestId) options.request.http?.headers.set('x-request-id', context.requestId);
  }
}
