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

interface Core {
  Agent: typeof Undici.Agent;
  request(url: URL, options: Undici.Dispatcher.RequestOptions, dispatcher: Undici.Dispatcher | undefined): Promise<Undici.Dispatcher.ResponseData>;
}

function loadCore(): Core {
  try {
    const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
    const { getGlobalDispatcher } = load('undici/lib/global.js') as { getGlobalDispatcher(): Undici.Dispatcher };
    const dispatchRequest = load('undici/lib/api/api-request.js') as (this: Undici.Dispatcher, options: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;
    return { Agent, request: (_url, options, dispatcher = getGlobalDispatcher()) => dispatchRequest.call(dispatcher, options) };
  } catch {
    // A later undici that moved these files: its main entry, which costs the memory but works.
    const undici = load('undici') as typeof Undici;
    return { Agent: undici.Agent, request: (url, { origin: _, path: __, ...options }, dispatcher) => undici.request(url, { ...options, dispatcher }) };
  }
}

const core = loadCore();
export const Agent: typeof Undici.Agent = core.Agent;
export type Agent = Undici.Agent;

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
  const { dispatcher, method, ...rest } = options;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return core.request(parsed, { ...rest, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}`, method: method ?? (rest.body ? 'PUT' : 'GET') }, dispatcher);
}
