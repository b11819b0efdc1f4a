import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * undici's connection pool and its `request`, loaded without the rest of undici. Its main
 * entry loads every part of it (fetch, WebSocket, EventSource, caches, mocks, proxies: about
 * a hundred modules) whether used or not, and a module once loaded stays for the process's
 * life: 5.2 MB of heap against 1.8 MB for these three files and what they need. The old
 * generation grows to about four times what survives a full collection before it collects
 * again, so a retained MB costs about four in peak memory under load. The gateway needs a
 * keep-alive pool (the product fetch, which dispatches on it directly) and a plain request
 * (probes, polls, the registry client); every import of undici's code outside the tests goes
 * through here.
 *
 * undici has no `exports` map, so its files are public paths; the types are its own.
 */
const load = createRequire(import.meta.url);

export const Agent: typeof Undici.Agent = load('undici/lib/dispatcher/agent.js');
export type Agent = Undici.Agent;

const { getGlobalDispatcher } = load('undici/lib/global.js') as { getGlobalDispatcher(): Undici.Dispatcher };
const dispatchRequest = load('undici/lib/api/api-request.js') as (this: Undici.Dispatcher, options: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;

type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Undici.Dispatcher.HttpMethod;
  dispatcher?: Undici.Dispatcher;
};

/**
 * undici's `request(url, options)` for the gateway's calls: the URL's origin and path, GET
 * unless a body is sent (PUT then, as undici's own), on `options.dispatcher` or undici's
 * global one (which `setGlobalDispatcher` from undici's main entry sets too, so a test's
 * mock agent still takes these calls).
 */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), method, ...rest } = options;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return dispatchRequest.call(dispatcher, {
    ...rest,
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
    method: method ?? (rest.body ? 'PUT' : 'GET'),
  });
}
