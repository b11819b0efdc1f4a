import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from '../gateway-context.ts';
import type { ProductHttpAnswer } from './product-request.ts';

// Apollo's own types, named through the interface so we depend on no internal package.
export type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
export type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type OperationFetch = Extract<ProcessOptions, { incomingRequestContext: unknown }>;

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION`: Apollo's entry point exports the enum's type only. */
export const INCOMING_OPERATION = 'incoming operation' as OperationFetch['kind'];

/**
 * One fetch to a product as the layers see it: built once per caller by the data source,
 * read by every layer. Only `headers` changes on the way down, and only below
 * de-duplication, so it is the headers of the caller that actually sends the fetch.
 */
export interface ProductFetch {
  readonly options: ProcessOptions;
  /** Partial: schema loads and health checks carry no request context. */
  readonly context: Partial<GatewayContext>;
  /** The exact bytes sent and signed, serialized once. */
  readonly body: string;
  /** The incoming operation's type; undefined for health checks and schema loads. */
  readonly operationType: string | undefined;
  /** The executor put headers of its own on the request (Apollo's federated-trace request). */
  readonly ownHeaders: boolean;
  /** The caller claims the product is told, as a key part ('' when none): fetches told other claims never share an answer. */
  readonly claimsKey: string;
  /** What the product is told besides the body. */
  readonly headers: Record<string, string>;
}

/**
 * A product's answer as read by the layers under de-duplication: the HTTP answer, what it
 * is, and its body parsed. Only the caller that fetched may use `body` (the executor merges
 * it into its result in place); a caller that shared the fetch parses `text`.
 */
export interface ProductAnswer extends ProductHttpAnswer {
  /** `response`: a 2xx GraphQL response. `errors`: a GraphQL error body on a non-2xx status. */
  kind: 'response' | 'errors';
  body: GatewayGraphQLResponse;
}

/** The fetch from some layer inward, answering with `T`. */
export type FetchStep<T> = (fetch: ProductFetch) => Promise<T>;

/**
 * A layer wraps the step inside it. Layers are applied once, when a product's data source
 * is built, never per fetch: the hot path allocates no closures for them.
 */
export type FetchLayer<Outer, Inner = Outer> = (next: FetchStep<Inner>) => FetchStep<Outer>;
