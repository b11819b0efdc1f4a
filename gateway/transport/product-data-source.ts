import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { injectTraceContext, setActiveSpanAttribute } from '../tracing.ts';

/**
 * The one data source every subgraph fetch goes through. It knows which product it talks
 * to, so errors, metrics and signatures can name the product.
 */
export class ProductDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly product: string;
  private readonly metrics: GatewayMetrics | undefined;

  constructor(options: { product: string; url: string; metrics?: GatewayMetrics }) {
    super({ url: options.url });
    this.product = options.product;
    this.metrics = options.metrics;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const context = options.context as Partial<GatewayContext>;
    if (context.requestId) options.request.http?.headers.set('x-request-id', context.requestId);
    // Runs inside Apollo Gateway's `gateway.fetch` span: the product continues that trace.
    setActiveSpanAttribute('meshgate.product', this.product);
    if (options.request.http) injectTraceContext(options.request.http.headers);
  }

  /** Times every fetch, whatever the transport underneath does (retries included). */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!this.metrics) return super.process(options);
    const stop = this.metrics.productFetchDuration.startTimer({ product: this.product });
    try {
      const response = await super.process(options);
      const failed = (response.errors?.length ?? 0) > 0;
      if (failed) this.metrics.productFetchErrors.inc({ product: this.product, kind: 'graphql_error' });
      stop({ outcome: failed ? 'graphql_error' : 'ok' });
      return response;
    } catch (error) {
      this.metrics.productFetchErrors.inc({ product: this.product, kind: 'failed' });
      stop({ outcome: 'failed' });
      throw error;
    }
  }
}
