import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { Agent } from '../../schema/base/undici-core.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** The keep-alive pool every product fetch shares: undici keeps one pool per origin. */
export function createProductAgent(options: { connectionsPerProduct: number; keepAliveTimeoutMs: number }): Agent {
  return new Agent({
    connections: options.connectionsPerProduct,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  });
}

/** What a product sent back, read in full: any status, undici's lower-cased headers, the body as text. */
export interface ProductHttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Where a product is reached, parsed once per data source rather than once per fetch. */
export interface ProductAddress {
  /** `http://host:port` */
  origin: string;
  /** The path and query string. */
  path: string;
}

export function productAddress(url: string): ProductAddress {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * One POST to a product over the shared undici pool, bounded by the product's timeout. The
 * timeout covers waiting for a connection, headers *and* body: the body is read here, so a
 * product that stalls mid-body times out as PRODUCT_TIMEOUT too instead of hanging the
 * request. Transport failures become coded errors naming the product, which the retry
 * policy and the breaker read. Any status is returned: what it means is the data source's
 * business.
 */
export function postToProduct(options: {
  agent: Agent;
  address: ProductAddress;
  product: string;
  timeoutMs: number;
  maxBytes?: number;
  headers: Record<string, string>;
  body: string;
}): Promise<ProductHttpAnswer> {
  return new Promise((resolve, reject) => {
    const { address } = options;
    options.agent.dispatch(
      { origin: address.origin, path: address.path, method: 'POST', headers: options.headers, body: options.body },
      new ProductAnswerReader(options.product, options.timeoutMs, options.maxBytes ?? Number.POSITIVE_INFINITY, resolve, reject),
    );
  });
}

/**
 * Reads one answer straight off undici's dispatcher. undici's `request` (and more so its
 * `fetch`) wraps every answer in a Node Readable stream, an async resource and a parsed
 * URL per call; under the federation benchmark (16 fetches per request) that machinery
 * and its garbage were a large share of the gateway's CPU. Here the body's chunks are
 * kept as undici hands them and decoded once at the end; the headers come parsed by undici
 * (lower-cased names, repeats as arrays), as its `request` gives them.
 *
 * The deadline is a plain timer: it rejects at once, and aborts the request as soon as
 * undici has one to abort (a fetch still queued for a connection is aborted when it gets
 * one, as undici's own `signal` option does).
 */
class ProductAnswerReader implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private timedOut = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly product: string,
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
    private readonly resolve: (answer: ProductHttpAnswer) => void,
    private readonly reject: (error: MeshError) => void,
  ) {
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.timedOut) controller.abort(this.timeoutError());
    else this.controller = controller;
  }

  // Called for 1xx informational answers too: the final answer's status and headers replace theirs.
  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      // Settled first: aborting calls `onResponseError`, which must not report it as an outage.
      this.settle();
      this.chunks = [];
      const error = new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${this.product}" answered more than ${this.maxBytes} bytes`, { extensions: { product: this.product } });
      this.reject(error);
      controller.abort(error);
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settle()) return;
    const { chunks } = this;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, this.size).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(): void {
    if (this.settle()) return;
    // No detail from the socket error: it would name internal hosts and ports.
    this.reject(new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Data product "${this.product}" is unavailable`, { extensions: { product: this.product } }));
  }

  private onTimeout(): void {
    this.timedOut = true;
    // Settled first: aborting calls `onError` at once, which must not report the abort as an outage.
    if (!this.settle()) this.reject(this.timeoutError());
    this.controller?.abort(this.timeoutError());
  }

  /** Marks the fetch settled; true when it already was (a late callback after the deadline). */
  private settle(): boolean {
    if (this.settled) return true;
    this.settled = true;
    clearTimeout(this.timer);
    return false;
  }

  private timeoutError(): MeshError {
    return new MeshError(MeshErrorCode.PRODUCT_TIMEOUT, `Data product "${this.product}" did not answer within ${this.timeoutMs} ms`, { extensions: { product: this.product } });
  }
}
