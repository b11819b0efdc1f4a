import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Dispatcher } from 'undici';
import { request } from '../../schema/base/undici-core.ts';
import { REGISTRY_READ_TIMEOUT_MS } from './registry-supergraph.ts';

/**
 * Calls `onChange` when `file` changes. Watches the *directory*: deploy tools replace a
 * file by renaming a new one over it, which a watch on the old inode never sees. Events
 * are debounced because one write fires several.
 */
export function watchSupergraphFile(file: string, onChange: () => void, debounceMs = 50): () => void {
  const absolute = resolve(file);
  const name = basename(absolute);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(absolute), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  // A watcher error (the directory removed) must not crash the gateway; serving goes on.
  watcher.on('error', () => {});
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

/**
 * Polls `url` for the supergraph with conditional GETs: the ETag of the last answer is
 * sent as If-None-Match, so an unchanged supergraph costs a 304 and no parsing. The next
 * poll starts an interval after this one ends, so a poll may wait past the interval: cut
 * at the interval, a registry slower than it would never be heard (a revocation never taken).
 * A poll waits at least as long as the first read at start. Stopping aborts a poll in flight:
 * after `stop()` neither `onSdl` nor `onError` is called.
 */
export function pollSupergraphUrl(options: {
  url: string;
  intervalMs: number;
  dispatcher?: Dispatcher;
  /** Sent with every poll, e.g. a registry's `authorization`. */
  headers?: Record<string, string>;
  /** The ETag of the supergraph already loaded, so the first poll can be a 304. */
  etag?: string;
  onSdl(sdl: string): void;
  onError(error: Error): void;
}): () => void {
  let etag = options.etag;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const response = await request(options.url, {
        dispatcher: options.dispatcher,
        headers: { ...options.headers, ...(etag ? { 'if-none-match': etag } : {}) },
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(Math.max(options.intervalMs, REGISTRY_READ_TIMEOUT_MS))]),
      });
      const text = await response.body.text();
      if (stopping.signal.aborted) return;
      if (response.statusCode === 200) {
        const header = response.headers.etag;
        etag = typeof header === 'string' ? header : undefined;
        options.onSdl(text);
      } else if (response.statusCode !== 304) {
        options.onError(new Error(`GET ${options.url} answered HTTP ${response.statusCode}`));
      }
    } catch (error) {
      if (stopping.signal.aborted) return;
      options.onError(error as Error);
    }
    if (!stopping.signal.aborted) timer = setTimeout(() => void poll(), options.intervalMs);
  };
  timer = setTimeout(() => void poll(), 0);
  return () => {
    stopping.abort();
    clearTimeout(timer);
  };
}
