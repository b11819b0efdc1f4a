import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, request } from 'undici';

/** The fetcher shape `RemoteGraphQLDataSource` accepts (Apollo's `@apollo/utils.fetcher`). */
export type SubgraphFetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'] & {};
type FetcherResponse = Awaited<ReturnType<SubgraphFetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

export interface UndiciFetcherOptions {
  /**
   * Idle keep-alive sockets are kept this long, so a burst of fetches to one product reuses
   * connections instead of paying a TCP handshake each.
   * @default 60000
   */
  keepAliveTimeoutMs?: number;
  /** Most sockets per product origin; unlimited lets a fan-out never queue. @default undefined (unlimited) */
  connectionsPerOrigin?: number;
}

/** A subgraph fetcher on one undici keep-alive pool, and the means to close it. */
export interface UndiciFetcher {
  fetch: SubgraphFetcher;
  close(): Promise<void>;
}

/**
 * Why not Apollo's default: its make-fetch-happen → minipass-fetch → agent-base stack costs
 * about a third of the gateway's CPU under the federation benchmark; agent-base even builds
 * an `Error().stack` on every request to guess whether the endpoint is secure. undici's
 * `request` goes straight to a pooled socket and hands back the body as one string.
 *
 * Reconcile with the reliability branch's fetcher of the same name (timeouts, retries and
 * the breaker belong there); this one only supplies the fast path the benchmark needs.
 */
export function createUndiciFetcher(options: UndiciFetcherOptions = {}): UndiciFetcher {
  const agent = new Agent({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 60_000, connections: options.connectionsPerOrigin ?? null });
  const fetch: SubgraphFetcher = async (url, init = {}) => {
    const response = await request(url, { method: (init.method ?? 'GET') as 'POST', headers: init.headers, body: init.body, dispatcher: agent, signal: init.signal });
    const text = await response.body.text();
    return textResponse(url, response.statusCode, new RecordHeaders(response.headers), text);
  };
  return { fetch, close: () => agent.close() };
}

function textResponse(url: string, status: number, headers: FetcherHeaders, text: string): FetcherResponse {
  return {
    bodyUsed: true,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText: '',
    headers,
    text: async () => text,
    json: async () => JSON.parse(text),
    arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
    clone: () => textResponse(url, status, headers, text),
  };
}

/** Fetch-style headers over undici's lower-cased header record, without copying it. */
class RecordHeaders implements FetcherHeaders {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.record[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.record[name.toLowerCase()] !== undefined;
  }
  set(name: string, value: string): void {
    this.record[name.toLowerCase()] = value;
  }
  append(name: string, value: string): void {
    const current = this.get(name);
    this.set(name, current === null ? value : `${current}, ${value}`);
  }
  delete(name: string): void {
    delete this.record[name.toLowerCase()];
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.record)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
