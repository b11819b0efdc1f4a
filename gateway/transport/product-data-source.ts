import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayContext } from '../gateway-context.ts';
import type { FetchStep, GatewayGraphQLResponse, ProcessOptions } from './fetch-layer.ts';
import { RequestBodies } from './request-body.ts';

/** The caller's claims a product is told (none today), from the access stage. */
export interface CallerClaims {
  /** As request headers. */
  headers(context: Partial<GatewayContext>): Record<string, string>;
  /** As a key part: '' when the product is told nothing about the caller. */
  key(context: Partial<GatewayContext>): string;
}

/**
 * The outer edge of one product's fetch: Apollo's data source interface, which Apollo
 * Gateway and our executor call. It turns Apollo's options into the fetch the layers read
 * (body serialized once, the caller's claims) and hands it to the product's composed
 * layers; all the rest happens there.
 */
export class ProductDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly bodies = new RequestBodies();

  constructor(
    private readonly claims: CallerClaims,
    private readonly fetch: FetchStep<GatewayGraphQLResponse>,
  ) {}

  async process(options: ProcessOptions): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const context = options.context as Partial<GatewayContext>;
    const forwarded = request.http?.headers ? Object.fromEntries(request.http.headers) : undefined;
    return this.fetch({
      options,
      context,
      body: this.bodies.serialize(request),
      // Health checks and schema loads carry no incoming request, hence no operation type.
      operationType: 'incomingRequestContext' in options ? options.incomingRequestContext.operation?.operation : undefined,
      ownHeaders: forwarded !== undefined,
      claimsKey: this.claims.key(context),
      headers: { ...forwarded, ...this.claims.headers(context), 'content-type': 'application/json' },
    });
  }
}
