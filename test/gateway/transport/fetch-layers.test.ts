import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError, MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import { PRODUCT_REPORT_HEADER } from '../../../schema/protocol/product-report.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../../schema/protocol/signature-verifier.ts';
import { signingKey } from '../../../schema/protocol/signing-keys.ts';
import { forwardedClaims, forwardedClaimsKey } from '../../../gateway/access/forwarded-claims.ts';
import { WatermarkCache } from '../../../gateway/cache/watermark-cache.ts';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { WatermarkTracker } from '../../../gateway/cache/watermark-tracker.ts';
import { Singleflight } from '../../../gateway/primitives/singleflight.ts';
import { GatewayMetrics } from '../../../gateway/observability/metrics.ts';
import { forwardRequestId } from '../../../gateway/observability/request-id.ts';
import { MemoryStore } from '../../../gateway/shared-state/memory-store.ts';
import { breakerRetryLayer } from '../../../gateway/transport/breaker-retry-layer.ts';
import { cacheLayer } from '../../../gateway/transport/cache-layer.ts';
import { CircuitBreaker } from '../../../gateway/transport/circuit-breaker.ts';
import { correlateLayer } from '../../../gateway/transport/correlate-layer.ts';
import { dedupeLayer } from '../../../gateway/transport/dedupe-layer.ts';
import { INCOMING_OPERATION, type FetchStep, type GatewayGraphQLResponse, type ProcessOptions, type ProductAnswer, type ProductFetch } from '../../../gateway/transport/fetch-layer.ts';
import { productDataSource } from '../../../gateway/transport/fetch-pipeline.ts';
import { measureLayer } from '../../../gateway/transport/measure-layer.ts';
import { createProductAgent, type ProductHttpAnswer } from '../../../gateway/transport/product-request.ts';
import { createProductTransport } from '../../../gateway/transport/product-transport.ts';
import type { ProductSigner } from '../../../gateway/transport/product-signing-keys.ts';
import { readLayer } from '../../../gateway/transport/read-layer.ts';
import { reportLayer } from '../../../gateway/transport/report-layer.ts';
import { signLayer } from '../../../gateway/transport/sign-layer.ts';
import { SignatureRefusals } from '../../../gateway/transport/signature-refusals.ts';
import { wireCall } from '../../../gateway/transport/wire-call.ts';

/**
 * Each fetch layer alone, around a fake inner step that records what reached it. The
 * layers composed, over real products, are what the other transport tests exercise.
 */
const PRODUCT = 'ledger';

/** A caller's fetch of `query`, as the data source builds it. */
function fetchOf(query: string, overrides: { operationType?: string | undefined; kind?: string; claimsKey?: string; ownHeaders?: boolean; requestId?: string } = {}) {
  const restricted: unknown[] = [];
  const answeredBy = new Map();
  const operationType = 'operationType' in overrides ? overrides.operationType : 'query';
  const options = {
    kind: overrides.kind ?? INCOMING_OPERATION,
    request: { query, variables: { id: '1' } },
    incomingRequestContext: { operation: { operation: operationType }, overallCachePolicy: { restrict: (hint: unknown) => restricted.push(hint) } },
    context: { answeredBy, requestId: overrides.requestId },
  } as unknown as ProcessOptions;
  const fetch: ProductFetch = {
    options,
    context: options.context,
    body: JSON.stringify(options.request),
    operationType,
    ownHeaders: overrides.ownHeaders ?? false,
    claimsKey: overrides.claimsKey ?? '',
    headers: { 'content-type': 'application/json' },
  };
  return { fetch, restricted, answeredBy };
}

/** A fake inner step answering from `answer` (a value, or a function of the call number), with the fetches it saw. */
function recording<T>(answer: T | ((call: number, fetch: ProductFetch) => T | Promise<T>)): [FetchStep<T>, ProductFetch[]] {
  const calls: ProductFetch[] = [];
  const step: FetchStep<T> = async (fetch) => {
    calls.push(fetch);
    return typeof answer === 'function' ? (answer as (call: number, fetch: ProductFetch) => T | Promise<T>)(calls.length, fetch) : answer;
  };
  return [step, calls];
}

const jsonAnswer = (status: number, body: unknown, headers: IncomingHttpHeaders = {}): ProductHttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  text: JSON.stringify(body),
});

const answerOf = (data: unknown, headers: IncomingHttpHeaders = {}): ProductAnswer => ({ ...jsonAnswer(200, { data }, headers), kind: 'response', body: { data } as GatewayGraphQLResponse });

/** A promise and what settles it, so a test holds an inner step until it lets go. */
function held<T>() {
  let release!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

async function rejection(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MeshError);
  return error as MeshError;
}

/** A product over a real socket: it answers `/watermark` and echoes each POST's headers and body. */
let server: Server;
let url: string;
const watermark = { version: '1.0.0', dataAsOf: new Date().toISOString() };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url === '/watermark') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(watermark));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('the wire call', () => {
  it('posts exactly the fetch body with the fetch headers, and reads the whole answer', async () => {
    const agent = createProductAgent({ connectionsPerProduct: 2, keepAliveTimeoutMs: 1_000 });
    try {
      const { fetch } = fetchOf('{ a }');
      fetch.headers['x-test'] = 'seen';
      const answer = await wireCall({ product: PRODUCT, url, agent, timeoutMs: 5_000, maxResponseBytes: 1_000_000 })(fetch);
      expect(answer.status).toBe(200);
      const { data } = JSON.parse(answer.text) as { data: { headers: IncomingHttpHeaders; body: string } };
      expect(data.body).toBe(fetch.body);
      expect(data.headers['x-test']).toBe('seen');
      expect(data.headers['content-type']).toBe('application/json');
      // Past the size limit the answer is refused, not read.
      await expect(wireCall({ product: PRODUCT, url, agent, timeoutMs: 5_000, maxResponseBytes: 10 })(fetch)).rejects.toMatchObject({ extensions: { code: 'PRODUCT_ERROR', product: PRODUCT } });
    } finally {
      await agent.close();
    }
  });
});

describe('the sign layer', () => {
  const key = signingKey('a secret only this test holds, long enough');
  const signer = (delay = false): ProductSigner & { refused: string[] } => {
    const refused: string[] = [];
    return {
      description: 'test keys',
      refused,
      sign: (product, body) => (delay ? Promise.resolve(signatureHeader(key, product, body)) : signatureHeader(key, product, body)),
      keyRefused: (product) => void refused.push(product),
      close() {},
    };
  };

  it('signs exactly the bytes sent, afresh on every attempt, whether the key is held or fetched', async () => {
    const verifier = new SignatureVerifier({ product: PRODUCT, keys: [key] });
    for (const delay of [false, true]) {
      const [inner, calls] = recording(jsonAnswer(200, { data: {} }));
      const signed = signLayer({ product: PRODUCT, signer: signer(delay) })(inner);
      const { fetch } = fetchOf('{ a }');
      await signed(fetch);
      const first = calls[0]!.headers[SIGNATURE_HEADER];
      await verifier.verify(first, fetch.body);
      await signed(fetch);
      // A second attempt is signed again (a new nonce), never a replay of the first.
      expect(calls[1]!.headers[SIGNATURE_HEADER]).not.toBe(first);
      await verifier.verify(calls[1]!.headers[SIGNATURE_HEADER], fetch.body);
      // Over other bytes than those sent, the same signature is refused: it covers the body.
      await expect(new SignatureVerifier({ product: PRODUCT, keys: [key] }).verify(first, `${fetch.body} `)).rejects.toMatchObject({ extensions: { reason: 'mismatch' } });
    }
  });

  it('reads a refused signature: counted and logged with the product reason, keys asked again, PRODUCT_ERROR naming only the product', async () => {
    const lines: unknown[] = [];
    const metrics = new GatewayMetrics();
    const refusals = new SignatureRefusals({ error: (...args: unknown[]) => void lines.push(args) } as never, metrics);
    const keys = signer();
    const body = { errors: [{ message: 'Request signed with key k, which this product does not hold', extensions: { code: 'SIGNATURE_INVALID', reason: 'unknown-key' } }] };
    const [inner] = recording(jsonAnswer(401, body));
    const error = await rejection(signLayer({ product: PRODUCT, signer: keys, refusals })(inner)(fetchOf('{ a }').fetch));
    expect(error.extensions).toEqual({ code: 'PRODUCT_ERROR', product: PRODUCT });
    expect(error.message).not.toContain('does not hold');
    expect(keys.refused).toEqual([PRODUCT]);
    expect(lines).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('meshgate_product_signature_refusals_total')).toContain(`product="${PRODUCT}",reason="unknown-key",key_id="${key.id}"`);
  });
});

describe('the read layer', () => {
  const read = (answer: ProductHttpAnswer | Error) =>
    readLayer(PRODUCT)(async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    })(fetchOf('{ a }').fetch);

  it('takes a 2xx GraphQL response and a GraphQL error body on another status as answers', async () => {
    expect(await read(jsonAnswer(200, { data: { a: 1 } }))).toMatchObject({ kind: 'response', body: { data: { a: 1 } } });
    expect(await read(jsonAnswer(400, { errors: [{ message: 'bad argument', extensions: { code: 'BAD_USER_INPUT' } }] }))).toMatchObject({
      kind: 'errors',
      body: { errors: [{ message: 'bad argument' }] },
    });
  });

  it('turns anything else into a coded error naming only the product', async () => {
    const html = (status: number): ProductHttpAnswer => ({ status, headers: { 'content-type': 'text/html' }, text: '<html>internal host db-7:5432</html>' });
    const cases: [ProductHttpAnswer | Error, MeshErrorCode][] = [
      [html(200), MeshErrorCode.PRODUCT_UNAVAILABLE],
      [jsonAnswer(200, { errors: 'no' }), MeshErrorCode.PRODUCT_ERROR],
      [jsonAnswer(200, { errors: [{ message: { sql: 'SELECT' } }] }), MeshErrorCode.PRODUCT_ERROR],
      [html(502), MeshErrorCode.PRODUCT_UNAVAILABLE],
      [html(503), MeshErrorCode.PRODUCT_UNAVAILABLE],
      [html(500), MeshErrorCode.PRODUCT_ERROR],
      [jsonAnswer(500, { errors: [] }), MeshErrorCode.PRODUCT_ERROR],
      [new Error('connect ECONNREFUSED db-7:5432'), MeshErrorCode.PRODUCT_ERROR],
    ];
    for (const [answer, code] of cases) {
      const error = await rejection(read(answer));
      expect(error.extensions, JSON.stringify(answer instanceof Error ? answer.message : answer)).toEqual({ code, product: PRODUCT });
      expect(error.message).not.toMatch(/db-7|SELECT/);
    }
  });

  it('passes a coded error from below as it is', async () => {
    const timeout = new MeshError(MeshErrorCode.PRODUCT_TIMEOUT, 'slow', { extensions: { product: PRODUCT } });
    expect(await rejection(read(timeout))).toBe(timeout);
  });
});

describe('the breaker and retry layer', () => {
  const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 2 };
  const outage = () => new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, 'down', { extensions: { product: PRODUCT } });
  const ok = answerOf({ a: 1 });

  it('retries a query after a transient failure, and counts the fetch, not its attempts, against the breaker', async () => {
    const breaker = new CircuitBreaker(PRODUCT, { failureThreshold: 2, openMs: 60_000 });
    const [flaky, flakyCalls] = recording((call) => (call < 3 ? Promise.reject(outage()) : ok));
    expect(await breakerRetryLayer({ product: PRODUCT, breaker, retry })(flaky)(fetchOf('{ a }').fetch)).toBe(ok);
    expect(flakyCalls).toHaveLength(3);
    expect(breaker.state).toMatchObject({ phase: 'closed', lastOutcome: 'success' });

    const [down, downCalls] = recording(() => Promise.reject(outage()));
    expect((await rejection(breakerRetryLayer({ product: PRODUCT, breaker, retry })(down)(fetchOf('{ a }').fetch))).extensions.code).toBe('PRODUCT_UNAVAILABLE');
    // Three attempts, one failure: the threshold of two is not reached.
    expect(downCalls).toHaveLength(3);
    expect(breaker.state).toMatchObject({ phase: 'closed', consecutiveFailures: 1 });
  });

  it('never retries a mutation, nor an answer that would fail the same way again', async () => {
    const breaker = new CircuitBreaker(PRODUCT, { failureThreshold: 100, openMs: 60_000 });
    const [down, downCalls] = recording(() => Promise.reject(outage()));
    await rejection(breakerRetryLayer({ product: PRODUCT, breaker, retry })(down)(fetchOf('mutation { a }', { operationType: 'mutation' }).fetch));
    expect(downCalls).toHaveLength(1);
    const [refused, refusedCalls] = recording(() => Promise.reject(new MeshError(MeshErrorCode.PRODUCT_ERROR, 'refused', { extensions: { product: PRODUCT } })));
    await rejection(breakerRetryLayer({ product: PRODUCT, breaker, retry })(refused)(fetchOf('{ a }').fetch));
    expect(refusedCalls).toHaveLength(1);
  });

  it('fails fast once the breaker is open, without reaching the product', async () => {
    const breaker = new CircuitBreaker(PRODUCT, { failureThreshold: 1, openMs: 60_000 });
    const [down] = recording(() => Promise.reject(outage()));
    await rejection(breakerRetryLayer({ product: PRODUCT, breaker, retry: { ...retry, retries: 0 } })(down)(fetchOf('{ a }').fetch));
    const [inner, calls] = recording(ok);
    const error = await rejection(breakerRetryLayer({ product: PRODUCT, breaker, retry })(inner)(fetchOf('{ a }').fetch));
    expect(error.extensions).toEqual({ code: 'PRODUCT_UNAVAILABLE', product: PRODUCT, breaker: 'open' });
    expect(calls).toHaveLength(0);
  });
});

describe('the correlate layer', () => {
  it('forwards the request id through the hook once per fetch, however many attempts follow', async () => {
    const seen: (string | undefined)[] = [];
    const [inner, calls] = recording((call) => (call < 2 ? Promise.reject(new MeshError(MeshErrorCode.PRODUCT_TIMEOUT, 'slow')) : answerOf({})));
    const breaker = new CircuitBreaker(PRODUCT, { failureThreshold: 10, openMs: 60_000 });
    const step = correlateLayer<ProductAnswer>((context, headers) => {
      seen.push(context.requestId);
      if (context.requestId) headers['x-request-id'] = context.requestId;
    })(breakerRetryLayer({ product: PRODUCT, breaker, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } })(inner));
    await step(fetchOf('{ a }', { requestId: 'request-7' }).fetch);
    expect(seen).toEqual(['request-7']);
    expect(calls.map((fetch) => fetch.headers['x-request-id'])).toEqual(['request-7', 'request-7']);
  });
});

describe('the de-duplicate layer', () => {
  it('sends identical queries in flight once; each caller gets its own copy of the answer', async () => {
    const answer = held<ProductAnswer>();
    const [inner, calls] = recording(() => answer.promise);
    let shared = 0;
    const step = dedupeLayer({ flights: new Singleflight<ProductAnswer>(), onShared: () => shared++ })(inner);
    const pending = [step(fetchOf('{ a }').fetch), step(fetchOf('{ a }').fetch), step(fetchOf('{ b }').fetch)];
    await new Promise((resolve) => setImmediate(resolve));
    answer.release(answerOf({ a: 1 }));
    const [first, second, other] = await Promise.all(pending);
    expect(calls.map((fetch) => JSON.parse(fetch.body).query)).toEqual(['{ a }', '{ b }']);
    expect(shared).toBe(1);
    expect(second!.body).toEqual(first!.body);
    // Apollo's executor merges a body into its result in place: never one object for two callers.
    expect(second!.body).not.toBe(first!.body);
    expect(other!.body).toBe(first!.body);
  });

  it('never shares a mutation, a fetch with headers of its own, or fetches told other caller claims', async () => {
    const answer = held<ProductAnswer>();
    const [inner, calls] = recording(() => answer.promise);
    const step = dedupeLayer({ flights: new Singleflight<ProductAnswer>() })(inner);
    const pending = [
      step(fetchOf('{ a }', { operationType: 'mutation' }).fetch),
      step(fetchOf('{ a }', { operationType: 'mutation' }).fetch),
      step(fetchOf('{ a }', { ownHeaders: true }).fetch),
      step(fetchOf('{ a }', { ownHeaders: true }).fetch),
      step(fetchOf('{ a }', { claimsKey: 'tenant=1' }).fetch),
      step(fetchOf('{ a }', { claimsKey: 'tenant=2' }).fetch),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    answer.release(answerOf({ a: 1 }));
    await Promise.all(pending);
    expect(calls).toHaveLength(6);
  });

  it('hands a failure to every waiter as its own error, and forgets it', async () => {
    const answer = held<ProductAnswer>();
    const [inner, calls] = recording((call) => (call === 1 ? answer.promise : answerOf({ a: 2 })));
    const step = dedupeLayer({ flights: new Singleflight<ProductAnswer>() })(inner);
    const pending = [step(fetchOf('{ a }').fetch), step(fetchOf('{ a }').fetch)].map(rejection);
    await new Promise((resolve) => setImmediate(resolve));
    answer.fail(new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, 'down', { extensions: { product: PRODUCT } }));
    const [first, second] = await Promise.all(pending);
    expect(second!.extensions).toEqual(first!.extensions);
    expect(second).not.toBe(first);
    expect((await step(fetchOf('{ a }').fetch)).body).toEqual({ data: { a: 2 } });
    expect(calls).toHaveLength(2);
  });
});

describe('the report layer', () => {
  it("puts the product's report on the request, restricts the cache policy by its Cache-Control, and tags errors with the product", async () => {
    const report = { name: PRODUCT, version: '2.1.0', status: 'active', dataAsOf: watermark.dataAsOf, freshness: null };
    const errors = [
      { message: 'partial', path: ['a'] },
      { message: 'from another', extensions: { product: 'upstream' } },
    ];
    const answer: ProductAnswer = {
      ...jsonAnswer(200, {}, { [PRODUCT_REPORT_HEADER]: JSON.stringify(report), 'cache-control': 'max-age=30, public' }),
      kind: 'response',
      body: { data: { a: null }, errors } as GatewayGraphQLResponse,
    };
    const { fetch, restricted, answeredBy } = fetchOf('{ a }');
    const response = await reportLayer(PRODUCT)(async () => answer)(fetch);
    expect(answeredBy.get(PRODUCT)).toMatchObject({ name: PRODUCT, version: '2.1.0', dataAsOf: watermark.dataAsOf });
    expect(restricted).toEqual([{ maxAge: 30, scope: 'PUBLIC' }]);
    expect(response.errors?.map((error) => error.extensions?.product)).toEqual([PRODUCT, 'upstream']);

    // No Cache-Control: uncacheable. No report header: the product answered, reporting nothing.
    const bare = fetchOf('{ a }');
    await reportLayer(PRODUCT)(async () => answerOf({ a: 1 }))(bare.fetch);
    expect(bare.restricted).toEqual([{ maxAge: 0 }]);
    expect(bare.answeredBy.get(PRODUCT)).toBeNull();
  });

  it('passes an error body on with its errors tagged, reporting nothing', async () => {
    const { fetch, restricted, answeredBy } = fetchOf('{ a }');
    const answer: ProductAnswer = { ...jsonAnswer(400, {}), kind: 'errors', body: { errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }] } as GatewayGraphQLResponse };
    expect(await reportLayer(PRODUCT)(async () => answer)(fetch)).toEqual({ data: undefined, errors: [{ message: 'bad', extensions: { code: 'BAD_USER_INPUT', product: PRODUCT } }] });
    expect(restricted).toEqual([]);
    expect(answeredBy.has(PRODUCT)).toBe(false);
  });
});

describe('the measure layer', () => {
  it('times and counts every fetch by outcome, and reports the breaker after each', async () => {
    const metrics = new GatewayMetrics();
    const breaker = new CircuitBreaker(PRODUCT, { failureThreshold: 1, openMs: 60_000 });
    const layer = measureLayer({ product: PRODUCT, breaker, metrics });
    await layer(async () => ({ data: {} }))(fetchOf('{ a }').fetch);
    await layer(async () => ({ data: {}, errors: [{ message: 'partial' }] }))(fetchOf('{ a }').fetch);
    breaker.recordFailure();
    await rejection(layer(async () => Promise.reject(new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, 'down')))(fetchOf('{ a }').fetch));
    const durations = await metrics.registry.getSingleMetricAsString('meshgate_product_fetch_duration_seconds');
    for (const outcome of ['ok', 'graphql_error', 'failed']) expect(durations).toContain(`meshgate_product_fetch_duration_seconds_count{product="${PRODUCT}",outcome="${outcome}"} 1`);
    const errors = await metrics.registry.getSingleMetricAsString('meshgate_product_fetch_errors_total');
    expect(errors).toContain(`{product="${PRODUCT}",kind="graphql_error"} 1`);
    expect(errors).toContain(`{product="${PRODUCT}",kind="failed"} 1`);
    expect(await metrics.registry.getSingleMetricAsString('meshgate_product_breaker_state')).toContain(`{product="${PRODUCT}"} 2`);
  });
});

describe('the cache layer', () => {
  const cache = () => new WatermarkCache(new MemoryStore(), new WatermarkTracker({ checkIntervalMs: 0 }), { maxEntries: 10 });

  it("answers a repeated query from the cache with the product's report, and reaches the product for anything else", async () => {
    const report = { name: PRODUCT, version: '1.0.0', status: 'active', dataAsOf: watermark.dataAsOf, freshness: null };
    const [inner, calls] = recording((_call, fetch): GatewayGraphQLResponse => {
      fetch.context.answeredBy?.set(PRODUCT, report as never);
      return { data: { a: JSON.parse(fetch.body).query } };
    });
    const step = cacheLayer({ product: PRODUCT, url, cache: cache() })(inner);
    const first = fetchOf('{ a }');
    expect(await step(first.fetch)).toEqual({ data: { a: '{ a }' } });
    const again = fetchOf('{ a }');
    expect(await step(again.fetch)).toEqual({ data: { a: '{ a }' } });
    expect(again.answeredBy.get(PRODUCT)).toEqual(report);
    expect(calls).toHaveLength(1);
    // Other claims, a mutation, a schema load: each reaches the product.
    await step(fetchOf('{ a }', { claimsKey: 'tenant=1' }).fetch);
    await step(fetchOf('mutation { a }', { operationType: 'mutation' }).fetch);
    await step(fetchOf('mutation { a }', { operationType: 'mutation' }).fetch);
    await step(fetchOf('{ a }', { kind: 'loading schema', operationType: undefined }).fetch);
    expect(calls).toHaveLength(5);
  });
});

describe('the layers composed', () => {
  it("send a product the caller's fetch signed, with the request id, and give the caller its response", async () => {
    const key = signingKey('the composed test key, long enough to be one');
    const transport = createProductTransport(resolveGatewayConfig({}).transport);
    try {
      const source = productDataSource({
        product: PRODUCT,
        url,
        transport,
        signer: { description: 'test key', sign: (product, body) => signatureHeader(key, product, body), keyRefused() {}, close() {} },
        hooks: { claims: { headers: (context) => forwardedClaims(context.principal), key: (context) => forwardedClaimsKey(context.principal) }, forwardRequestId, inFlight: () => new Singleflight() },
        metrics: new GatewayMetrics(),
      });
      const { fetch, restricted, answeredBy } = fetchOf('{ a }', { requestId: 'request-9' });
      const response = await source.process(fetch.options);
      const { headers, body } = response.data as { headers: IncomingHttpHeaders; body: string };
      // Exactly Apollo's request without its http part, key for key.
      expect(body).toBe(JSON.stringify(fetch.options.request));
      await new SignatureVerifier({ product: PRODUCT, keys: [key] }).verify(headers[SIGNATURE_HEADER], body);
      expect(headers['x-request-id']).toBe('request-9');
      expect(headers['content-type']).toBe('application/json');
      expect(answeredBy.get(PRODUCT)).toBeNull();
      expect(restricted).toEqual([{ maxAge: 0 }]);
      await expect(source.process({ ...fetch.options, request: {} })).rejects.toThrow('Missing query');
    } finally {
      await transport.close();
    }
  });
});
