import { setTimeout as sleep } from 'node:timers/promises';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Agent } from 'undici';
import { MeshError, MeshErrorCode } from '../error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { BreakerStateValue, type GatewayMetrics } from '../metrics.ts';
import { parseProductReport, PRODUCT_REPORT_HEADER } from '../product-report.ts';
import { injectTraceContext, setActiveSpanAttribute } from '../tracing.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import { backoffDelayMs, isTransientFailure, mayRetry, type RetryOptions } from './retry-policy.ts';
import { productAnsweredError, productUnreachableError } from './product-failure.ts';
import type { RequestSigner } from './request-signer.ts';
import { createUndiciFetcher } from './undici-fetcher.ts';

/** The breaker's phase as the `/metrics` gauge reports it. */
const BREAKER_VALUE = { closed: BreakerStateValue.closed, 'half-open': BreakerStateValue.halfOpen, open: BreakerStateValue.open } as const;

// Apollo's own types, named through the class so we depend on no internal package.
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
type FetcherResponse = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];

/** What every product's data source shares for the life of the gateway. */
export interface ProductTransport {
  agent: Agent;
  breakers: CircuitBreakers;
  settingsFor(product: string): { timeoutMs: number; retry: RetryOptions };
}

/**
 * A product answered with a GraphQL body on a non-2xx status. It is an answer, not a
 * transport failure: its errors (already masked by the product's kit) go to the client with
 * their codes, and the breaker counts it as a success.
 */
class ProductAnsweredWithErrors extends GraphQLError {
  constructor(readonly body: { data?: Record<string, unknown> | null; errors: GraphQLFormattedError[] }) {
    super('product answered with errors');
  }
}

function graphqlErrorBody(body: unknown): ProductAnsweredWithErrors['body'] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return body as ProductAnsweredWithErrors['body'];
}

/**
 * The one data source every subgraph fetch goes through. It knows which product it talks
 * to, so errors, metrics and signatures can name the product. Around Apollo's own
 * `process` it adds the product's circuit breaker and retries with backoff (queries only);
 * its fetcher is the shared undici keep-alive pool with the product's timeout.
 */
export class ProductDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly product: string;
  private readonly transport: ProductTransport;
  private readonly signer: RequestSigner;
  private readonly metrics: GatewayMetrics | undefined;

  constructor(options: { product: string; url: string; transport: ProductTransport; signer: RequestSigner; metrics?: GatewayMetrics }) {
    super({ url: options.url });
    this.product = options.product;
    this.transport = options.transport;
    this.signer = options.signer;
    this.metrics = options.metrics;
    this.fetcher = createUndiciFetcher({ agent: options.transport.agent, product: options.product, timeoutMs: options.transport.settingsFor(options.product).timeoutMs });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const context = options.context as Partial<GatewayContext>;
    if (context.requestId) options.request.http?.headers.set('x-request-id', context.requestId);
    // Runs inside Apollo Gateway's `gateway.fetch` span: the product continues that trace.
    setActiveSpanAttribute('meshgate.product', this.product);
    if (options.request.http) injectTraceContext(options.request.http.headers);
    // Last: the signature covers the request as it will be sent.
    this.signer.sign(this.product, options);
  }

  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]): typeof response {
    (context as Partial<GatewayContext>).answeredBy?.set(this.product, parseProductReport(response.http?.headers.get(PRODUCT_REPORT_HEADER)));
    return response;
  }

  override didEncounterError(error: Error): void {
    throw productUnreachableError(this.product, error);
  }

  /** Times every fetch, whatever the transport underneath does (retries included). */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!this.metrics) return this.processResiliently(options);
    const stop = this.metrics.productFetchDuration.startTimer({ product: this.product });
    const metrics = this.metrics;
    const recordBreaker = () => metrics.breakerState.set({ product: this.product }, BREAKER_VALUE[this.transport.breakers.forProduct(this.product).state.phase]);
    try {
      const response = await this.processResiliently(options);
      const failed = (response.errors?.length ?? 0) > 0;
      if (failed) this.metrics.productFetchErrors.inc({ product: this.product, kind: 'graphql_error' });
      stop({ outcome: failed ? 'graphql_error' : 'ok' });
      return response;
    } catch (error) {
      this.metrics.productFetchErrors.inc({ product: this.product, kind: 'failed' });
      stop({ outcome: 'failed' });
      throw error;
    } finally {
      recordBreaker();
    }
  }

  /** Apollo's `process` inside the product's circuit breaker, with retries for queries. */
  private async processResiliently(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const breaker = this.transport.breakers.forProduct(this.product);
    const { retry } = this.transport.settingsFor(this.product);
    // Health checks and schema loads carry no incoming request, hence no operation type: not retried.
    const operationType = 'incomingRequestContext' in options ? options.incomingRequestContext.operation?.operation : undefined;
    const attempts = mayRetry(operationType) ? retry.retries + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      if (!breaker.tryAcquire()) {
        throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${this.product}" is unavailable (circuit breaker open)`, {
          extensions: { product: this.product, breaker: 'open' },
        });
      }
      try {
        // Apollo's `process` calls `willSendRequest` again on each attempt, so every retry
        // is freshly signed rather than a replay of the first attempt.
        const response = await super.process(options);
        breaker.recordSuccess();
        return this.tagErrors(response);
      } catch (error) {
        if (error instanceof ProductAnsweredWithErrors) {
          breaker.recordSuccess();
          return this.tagErrors({ data: error.body.data ?? undefined, errors: error.body.errors });
        }
        breaker.recordFailure();
        if (!isTransientFailure(error)) throw this.mask(error);
        if (attempt + 1 >= attempts) throw error;
        await sleep(backoffDelayMs(retry, attempt));
      }
    }
  }

  /**
   * Apollo's default turns any non-2xx into "500: Internal Server Error" carrying the
   * product's URL and raw body: the body's coded errors are lost and internals leak. A
   * GraphQL body is passed through as the product's answer; anything else becomes a coded
   * error naming only the product.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    // A refused signature is a key mismatch between gateway and product: the operator's
    // problem, and nothing the client should learn the details of.
    if (response.status === 401) return productAnsweredError(this.product, response);
    const body = await this.parseBody(response).catch(() => undefined);
    const answered = graphqlErrorBody(body);
    if (answered) return new ProductAnsweredWithErrors(answered);
    const code = response.status === 502 || response.status === 503 || response.status === 504 ? MeshErrorCode.PRODUCT_UNAVAILABLE : MeshErrorCode.PRODUCT_ERROR;
    return new MeshError(code, `Data product "${this.product}" answered HTTP ${response.status}`, { extensions: { product: this.product } });
  }

  /** Errors are tagged with the product they came from, whatever the product's own server does. */
  private tagErrors(response: GatewayGraphQLResponse): GatewayGraphQLResponse {
    if (!response.errors) return response;
    return {
      ...response,
      errors: response.errors.map((error) => ({ ...error, extensions: { ...error.extensions, product: error.extensions?.product ?? this.product } })),
    };
  }

  /** Anything uncoded (a non-JSON body, a bug) reaches the client only as PRODUCT_ERROR. */
  private mask(error: unknown): Error {
    if (error instanceof MeshError) return error;
    return new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${this.product}" sent an invalid response`, { extensions: { product: this.product } });
  }
}
