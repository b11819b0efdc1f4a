import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';
import type { Agent } from 'undici';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { BreakerStateValue, type GatewayMetrics } from '../observability/metrics.ts';
import { parseProductReport, PRODUCT_REPORT_HEADER, type ProductReport } from '../../schema/protocol/product-report.ts';
import { injectTraceContext, setActiveSpanAttribute } from '../../schema/protocol/trace-propagation.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import { Singleflight } from '../primitives/singleflight.ts';
import { forwardRequestId } from '../observability/request-id.ts';
import { forwardedClaims, forwardedClaimsKey } from '../access/forwarded-claims.ts';
import { productAnsweredError } from './product-failure.ts';
import { postToProduct, productAddress, type ProductAddress, type ProductHttpAnswer } from './product-request.ts';
import { SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import type { ProductSigner } from './product-signing-keys.ts';
import { readSignatureRefusal, type SignatureRefusals } from './signature-refusals.ts';
import { backoffDelayMs, isTransientFailure, mayRetry, type RetryOptions } from './retry-policy.ts';

/** The breaker's phase as the `/metrics` gauge reports it. */
const BREAKER_VALUE = { closed: BreakerStateValue.closed, 'half-open': BreakerStateValue.halfOpen, open: BreakerStateValue.open } as const;

// Apollo's own types, named through the interface so we depend on no internal package.
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;

/** What every product's data source shares for the life of the gateway. */
export interface ProductTransport {
  agent: Agent;
  breakers: CircuitBreakers;
  settingsFor(product: string): { timeoutMs: number; retry: RetryOptions };
  /** Share identical in-flight query fetches to a product (see {@link Singleflight}). */
  dedupe: boolean;
  /** The largest answer read from a product, in bytes (`transport.maxResponseBytes`). */
  maxResponseBytes: number;
}

/**
 * A product's answer: the HTTP answer, what it is, and its body parsed by the caller that
 * fetched it. Only that caller may use `body` (Apollo's executor merges it into its result
 * in place); a caller that shared the fetch parses `text` for its own copy.
 */
interface ProductAnswer extends ProductHttpAnswer {
  /** `response`: a 2xx GraphQL response. `errors`: a GraphQL error body on a non-2xx status. */
  kind: 'response' | 'errors';
  body: GatewayGraphQLResponse;
}

/**
 * The one data source every subgraph fetch goes through. It knows which product it talks
 * to, so errors, metrics and signatures can name the product.
 *
 * It sends the fetch itself rather than through Apollo's `RemoteGraphQLDataSource`, which
 * builds node-fetch `Headers` and `Request` objects per fetch and serializes the body only
 * after the `willSendRequest` hook, so a signature could not cover the bytes sent. Here the
 * body is serialized once, signed as those bytes and sent over the shared undici pool.
 * Around that: the product's circuit breaker, retries with backoff (queries only), and
 * sharing of identical in-flight query fetches. Apollo's semantics are kept where we rely
 * on them: `Content-Type: application/json`, a product's `Cache-Control` restricting the
 * response's cache policy, and errors thrown for the executor to report at the fetch's path.
 */
export class ProductDataSource implements GraphQLDataSource<GatewayContext> {
  readonly product: string;
  readonly url: string;
  private readonly address: ProductAddress;
  private readonly transport: ProductTransport;
  private readonly signer: ProductSigner;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly refusals: SignatureRefusals | undefined;
  private readonly inflight = new Singleflight<ProductAnswer>();
  /** The last report header parsed: a product sends the same one until its data changes. */
  private lastReport: { header: string; report: ProductReport | null } | undefined;
  private lastCacheHint: { header: string; hint: CacheHint } | undefined;
  /** Queries sent to this product, each as its JSON string (see {@link serialize}). */
  private readonly queries = new Map<string, string>();

  constructor(options: { product: string; url: string; transport: ProductTransport; signer: ProductSigner; metrics?: GatewayMetrics; refusals?: SignatureRefusals }) {
    this.product = options.product;
    this.url = options.url;
    this.address = productAddress(options.url);
    this.transport = options.transport;
    this.signer = options.signer;
    this.metrics = options.metrics;
    this.refusals = options.refusals;
  }

  /** Times every fetch, whatever the transport underneath does (retries and sharing included). */
  async process(options: ProcessOptions): Promise<GatewayGraphQLResponse> {
    if (!this.metrics) return this.fetchAnswer(options);
    const metrics = this.metrics;
    const started = performance.now();
    const observe = (outcome: 'ok' | 'graphql_error' | 'failed') => metrics.productFetchDuration.observe({ product: this.product, outcome }, (performance.now() - started) / 1000);
    try {
      const response = await this.fetchAnswer(options);
      const failed = (response.errors?.length ?? 0) > 0;
      if (failed) metrics.productFetchErrors.inc({ product: this.product, kind: 'graphql_error' });
      observe(failed ? 'graphql_error' : 'ok');
      return response;
    } catch (error) {
      metrics.productFetchErrors.inc({ product: this.product, kind: 'failed' });
      observe('failed');
      throw error;
    } finally {
      metrics.breakerState.set({ product: this.product }, BREAKER_VALUE[this.transport.breakers.forProduct(this.product).state.phase]);
    }
  }

  /** The caller's own response: from its own fetch, or from a fetch it shared. */
  private async fetchAnswer(options: ProcessOptions): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    // Runs inside Apollo Gateway's `gateway.fetch` span: the product continues that trace.
    setActiveSpanAttribute('meshgate.product', this.product);
    // The exact bytes sent and signed. Key order as Apollo's own data source sends it.
    const body = this.serialize(request);
    // Health checks and schema loads carry no incoming request, hence no operation type.
    const operationType = 'incomingRequestContext' in options ? options.incomingRequestContext.operation?.operation : undefined;
    const forwarded = request.http?.headers ? Object.fromEntries(request.http.headers) : undefined;
    const fetchOwn = () => this.fetchResiliently(options, body, forwarded, operationType);
    // Only queries share, and only fetches whose request is nothing but the body and the
    // forwarded caller claims (none today; see `headers`): the same request to the same
    // product gets the same answer whoever asks. Headers the executor adds (Apollo's
    // federated-trace request) opt a fetch out.
    if (!this.transport.dedupe || operationType !== 'query' || forwarded) return this.respond(options, await fetchOwn(), false);
    const claims = forwardedClaimsKey((options.context as Partial<GatewayContext>).principal);
    const flight = this.inflight.join(claims ? `${claims}\n${body}` : body, fetchOwn);
    if (!flight.shared) return this.respond(options, await flight.result, false);
    this.metrics?.productFetchesShared.inc({ product: this.product });
    try {
      return this.respond(options, await flight.result, true);
    } catch (error) {
      // Every waiter reports the failure at its own path: give each its own error object.
      throw error instanceof MeshError ? new MeshError(error.code, error.message, { extensions: error.extensions }) : error;
    }
  }

  /**
   * `JSON.stringify` of the request without its `http` part, key for key, except that the
   * query, the same text on every fetch of a plan's node, is escaped once and kept: only the
   * variables (representations, mostly) are serialized per fetch.
   */
  private serialize(request: ProcessOptions['request']): string {
    let body = '';
    for (const name of Object.keys(request)) {
      if (name === 'http') continue;
      const value = name === 'query' ? this.queryJson(request.query!) : JSON.stringify(request[name as keyof typeof request]);
      if (value === undefined) continue;
      body += `${body ? ',' : '{'}${JSON.stringify(name)}:${value}`;
    }
    return body ? `${body}}` : '{}';
  }

  private queryJson(query: string): string {
    let json = this.queries.get(query);
    if (json === undefined) {
      // Bounded: a gateway under invented operations must not keep every one it saw.
      if (this.queries.size >= MAX_KEPT_QUERIES) this.queries.clear();
      json = JSON.stringify(query);
      this.queries.set(query, json);
    }
    return json;
  }

  /**
   * One fetch inside the product's circuit breaker, retried with backoff if it is part of a
   * query. The breaker counts failed *fetches*, not attempts: a fetch and its retries are
   * one failure, recorded when the fetch gives up, so one slow request with two retries
   * does not spend three of the threshold's failures and open the breaker on its own.
   */
  private async fetchResiliently(options: ProcessOptions, body: string, forwarded: Record<string, string> | undefined, operationType: string | undefined): Promise<ProductAnswer> {
    const breaker = this.transport.breakers.forProduct(this.product);
    const { retry, timeoutMs } = this.transport.settingsFor(this.product);
    const attempts = mayRetry(operationType) ? retry.retries + 1 : 1;
    const headers = this.headers(options, forwarded);
    let lastFailure: unknown;
    for (let attempt = 0; ; attempt++) {
      if (!breaker.tryAcquire()) {
        // A retry that finds the breaker open (other fetches failed meanwhile) reports what
        // this fetch met: a product that timed out is slow, not unavailable.
        if (lastFailure) {
          breaker.recordFailure();
          throw lastFailure;
        }
        throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${this.product}" is unavailable (circuit breaker open)`, {
          extensions: { product: this.product, breaker: 'open' },
        });
      }
      // Every attempt is freshly signed rather than a replay of the first.
      const signature = this.signer.sign(this.product, body);
      try {
        headers[SIGNATURE_HEADER] = typeof signature === 'string' ? signature : await signature;
        const answer = this.read(headers[SIGNATURE_HEADER], await postToProduct({ agent: this.transport.agent, address: this.address, product: this.product, timeoutMs, maxBytes: this.transport.maxResponseBytes, headers, body }));
        // A GraphQL error body on a non-2xx status is an answer too: the product is up.
        breaker.recordSuccess();
        return answer;
      } catch (error) {
        if (!isTransientFailure(error) || attempt + 1 >= attempts) {
          breaker.recordFailure();
          throw isTransientFailure(error) ? error : this.mask(error);
        }
        lastFailure = error;
        await sleep(backoffDelayMs(retry, attempt));
      }
    }
  }

  /**
   * Everything the product is told besides the body. Nothing here describes the caller but
   * the forwarded claims, the one list of them (access/forwarded-claims.ts, empty today):
   * the request id and trace context only correlate logs and spans (a shared fetch carries
   * the first caller's), which is what lets identical fetches share one answer.
   */
  private headers(options: ProcessOptions, forwarded: Record<string, string> | undefined): Record<string, string> {
    const context = options.context as Partial<GatewayContext>;
    const headers: Record<string, string> = { ...forwarded, ...forwardedClaims(context.principal), 'content-type': 'application/json' };
    forwardRequestId(context, headers);
    injectTraceContext({ set: (name, value) => (headers[name] = value) });
    return headers;
  }

  /**
   * What an HTTP answer means. A 2xx must carry a GraphQL response (JSON object); anything
   * else on a 2xx is treated like an unreachable product, as Apollo's data source did. On
   * any other status, a GraphQL error body is the product's answer (its errors, already
   * masked by the product's kit, go to the client with their codes), and anything else
   * becomes a coded error naming only the product: Apollo's default would have carried the
   * product's URL and raw body to the client.
   */
  private read(signature: string, answer: ProductHttpAnswer): ProductAnswer {
    if (answer.status >= 200 && answer.status < 300) {
      const body = parseJsonObject(answer);
      if (!body) throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${this.product}" sent an invalid response`, { extensions: { product: this.product } });
      if (!isGraphQLResponse(body)) throw new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${this.product}" sent an invalid response`, { extensions: { product: this.product } });
      return { status: answer.status, headers: answer.headers, text: answer.text, kind: 'response', body };
    }
    // A refused signature is a key mismatch between gateway and product: the operator's
    // problem, logged and counted with the product's reason, and nothing the client should
    // learn the details of.
    if (answer.status === 401) {
      const refusal = readSignatureRefusal(this.product, /;kid=([^;]*);/.exec(signature)?.[1] ?? 'none', answer.text);
      this.refusals?.record(refusal);
      if (refusal.reason === 'unknown-key') this.signer.keyRefused(this.product);
      throw productAnsweredError(this.product, answer);
    }
    const body = parseJsonObject(answer);
    if (body && isGraphQLResponse(body) && body.errors && body.errors.length > 0) return { status: answer.status, headers: answer.headers, text: answer.text, kind: 'errors', body };
    const code = answer.status === 502 || answer.status === 503 || answer.status === 504 ? MeshErrorCode.PRODUCT_UNAVAILABLE : MeshErrorCode.PRODUCT_ERROR;
    throw new MeshError(code, `Data product "${this.product}" answered HTTP ${answer.status}`, { extensions: { product: this.product } });
  }

  /** The caller's response from an answer; `shared` when another caller fetched it and owns `body`. */
  private respond(options: ProcessOptions, answer: ProductAnswer, shared: boolean): GatewayGraphQLResponse {
    const body = shared ? (JSON.parse(answer.text) as GatewayGraphQLResponse) : answer.body;
    if (answer.kind === 'errors') return this.tagErrors({ data: body.data ?? undefined, errors: body.errors });
    (options.context as Partial<GatewayContext>).answeredBy?.set(this.product, this.report(answer.headers[PRODUCT_REPORT_HEADER]));
    // As Apollo's data source does: the product's Cache-Control restricts the response's
    // cache policy, and a product that sends none makes the response uncacheable.
    if ('incomingRequestContext' in options) options.incomingRequestContext.overallCachePolicy?.restrict(this.cacheHint(answer.headers['cache-control']));
    return this.tagErrors(body);
  }

  /** The product's Cache-Control as a hint; a product sends the same one fetch after fetch, so the last is kept. */
  private cacheHint(header: string | string[] | undefined): CacheHint {
    if (header === undefined) return UNCACHEABLE;
    const value = Array.isArray(header) ? header.join(',') : header;
    // Hints are read, never changed (Apollo's `restrict` copies what it needs), so fetches may share one.
    if (this.lastCacheHint?.header !== value) this.lastCacheHint = { header: value, hint: cacheHint(value) };
    return this.lastCacheHint.hint;
  }

  private report(header: string | string[] | undefined): ProductReport | null {
    const value = Array.isArray(header) ? header.join(', ') : header;
    if (value === undefined) return null;
    // Reports are read, never changed, so requests may share the parsed one.
    if (this.lastReport?.header !== value) this.lastReport = { header: value, report: parseProductReport(value) };
    return this.lastReport.report;
  }

  /** Errors are tagged with the product they came from, whatever the product's own server does. */
  private tagErrors(response: GatewayGraphQLResponse): GatewayGraphQLResponse {
    if (!response.errors) return response;
    return {
      ...response,
      errors: response.errors.map((error: GraphQLFormattedError) => ({ ...error, extensions: { ...error.extensions, product: error.extensions?.product ?? this.product } })),
    };
  }

  /** Anything uncoded (a bug) reaches the client only as PRODUCT_ERROR. */
  private mask(error: unknown): Error {
    if (error instanceof MeshError) return error;
    return new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${this.product}" sent an invalid response`, { extensions: { product: this.product } });
  }
}

/** The body as a JSON object when the content type says JSON (as Apollo's `parseBody` decides), else undefined. */
function parseJsonObject(answer: ProductHttpAnswer): GatewayGraphQLResponse | undefined {
  const contentType = answer.headers['content-type'];
  if (typeof contentType !== 'string' || !(contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'))) return undefined;
  try {
    const body: unknown = JSON.parse(answer.text);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as GatewayGraphQLResponse) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a JSON object is a GraphQL response the executor can take: `data` an object or
 * null, `errors` a list of objects with a text message, a path of names and indexes, and
 * object extensions. Anything else (errors as text, a path as a number, a message that is an
 * object) would reach the client uncoded, or carry the product's raw values to it.
 */
function isGraphQLResponse(body: GatewayGraphQLResponse): boolean {
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return false;
  if (errors === undefined || errors === null) return true;
  return Array.isArray(errors) && errors.every(isGraphQLError);
}

function isGraphQLError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { message, path, extensions } = value as { message?: unknown; path?: unknown; extensions?: unknown };
  if (typeof message !== 'string') return false;
  if (path !== undefined && path !== null && !(Array.isArray(path) && path.every((step) => typeof step === 'string' || typeof step === 'number'))) return false;
  return extensions === undefined || extensions === null || (typeof extensions === 'object' && !Array.isArray(extensions));
}

const UNCACHEABLE = { maxAge: 0 } as const;

/** How many distinct queries one product's data source keeps serialized before starting over. */
const MAX_KEPT_QUERIES = 1000;

type CacheHint = { readonly maxAge: number; readonly scope?: 'PUBLIC' | 'PRIVATE' };

/** A product's `Cache-Control` as a cache hint, read as Apollo's data source reads it: no max-age means 0. */
function cacheHint(header: string): CacheHint {
  const directives = new Map<string, string | true>();
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split(/\s*=\s*/, 2) as [string, string | undefined];
    if (name) directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const maxAge = directives.get('max-age');
  const scope = directives.get('public') === true ? 'PUBLIC' : directives.get('private') === true ? 'PRIVATE' : undefined;
  return { maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0, ...(scope ? { scope } : {}) };
}
