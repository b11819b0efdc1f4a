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

/**
 * What the loaded dispatchers can do. undici's main entry adds `request`, `stream`,
 * `pipeline`, `upgrade` and `connect` to `Dispatcher.prototype`; without it they are absent,
 * so the type leaves them out: `request` below is the way to send one.
 */
type MainEntryMethods = 'request' | 'stream' | 'pipeline' | 'upgrade' | 'connect';
export type CoreDispatcher = Omit<Undici.Dispatcher, MainEntryMethods>;
export type Agent = Omit<Undici.Agent, MainEntryMethods>;

interface Core {
  Agent: new (options?: Undici.Agent.Options) => Agent;
  request(url: URL, options: Undici.Dispatcher.RequestOptions, dispatcher: CoreDispatcher | undefined): Promise<Undici.Dispatcher.ResponseData>;
}

/** Which undici the gateway runs on: its three files, or its main entry when a later undici moved or changed them. */
export type UndiciCoreSource = 'core' | 'main-entry';

/**
 * undici's three files through `loadFile`, checked to be what this module calls; anything else
 * (a file moved, an export renamed or gone) falls back to undici's main entry, which costs the
 * memory but works.
 */
export function loadUndiciCore(loadFile: (id: string) => unknown = load): Core & { source: UndiciCoreSource } {
  let Agent: unknown;
  let globals: { getGlobalDispatcher?: unknown } | undefined;
  let dispatchRequest: unknown;
  try {
    Agent = loadFile('undici/lib/dispatcher/agent.js');
    globals = loadFile('undici/lib/global.js') as typeof globals;
    dispatchRequest = loadFile('undici/lib/api/api-request.js');
  } catch (error) {
    // Only a file that is not there (or no longer public) falls back; an error inside undici's code is undici's to report.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
  }
  const getGlobalDispatcher = globals?.getGlobalDispatcher;
  if (typeof Agent === 'function' && typeof getGlobalDispatcher === 'function' && typeof dispatchRequest === 'function') {
    const send = dispatchRequest as (this: CoreDispatcher, options: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;
    const globalDispatcher = getGlobalDispatcher as () => CoreDispatcher;
    return { source: 'core', Agent: Agent as Core['Agent'], request: (_url, options, dispatcher = globalDispatcher()) => send.call(dispatcher, options) };
  }
  const undici = load('undici') as typeof Undici;
  return {
    source: 'main-entry',
    Agent: undici.Agent,
    request: (url, { origin: _, path: __, ...options }, dispatcher) => undici.request(url, { ...options, dispatcher: dispatcher as Undici.Dispatcher | undefined }),
  };
}

const core = loadUndiciCore();
export const Agent: Core['Agent'] = core.Agent;
export const undiciCoreSource: UndiciCoreSource = core.source;

type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Undici.Dispatcher.HttpMethod;
  dispatcher?: CoreDispatcher;
};

/**
 * undici's `request(url, options)` for the gateway's calls: the URL's origin and path, GET
 * unless a body is sent (PUT then, as undici's own), on `options.dispatcher` or undici's
 * global one (which `setGlobalDispatcher` from undici's main entry sets too, so a test's
 * mock agent still takes these calls).
 */
export function request(url: string | URL, options: RequestOptions = {}, through: Pick<Core, 'request'> = core): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher, method, ...rest } = options;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return through.request(parsed, { ...rest, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}`, method: method ?? (rest.body ? 'PUT' : 'GET') }, dispatcher);
}
