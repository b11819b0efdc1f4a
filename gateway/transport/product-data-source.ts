import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLError } from 'graphql';
import type { GatewayContext } from '../gateway-context.ts';
import { parseProductReport, PRODUCT_REPORT_HEADER } from '../product-report.ts';
import { productAnsweredError, productUnreachableError } from './product-failure.ts';
import type { RequestSigner } from './request-signer.ts';

/**
 * The one data source every subgraph fetch goes through. It knows which product it talks
 * to, so errors, metrics and signatures can name the product.
 */
export class ProductDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly product: string;
  private readonly signer: RequestSigner;

  constructor(options: { product: string; url: string; signer: RequestSigner }) {
    super({ url: options.url });
    this.product = options.product;
    this.signer = options.signer;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const context = options.context as Partial<GatewayContext>;
    if (context.requestId) options.request.http?.headers.set('x-request-id', context.requestId);
    // Last: the signature covers the request as it will be sent.
    this.signer.sign(this.product, options);
  }

  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): typeof response {
    (context as Partial<GatewayContext>).answeredBy?.set(this.product, parseProductReport(response.http?.headers.get(PRODUCT_REPORT_HEADER)));
    return response;
  }

  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    return productAnsweredError(this.product, response);
  }

  override didEncounterError(error: Error): void {
    throw productUnreachableError(this.product, error);
  }
}
