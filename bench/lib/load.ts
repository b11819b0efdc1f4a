import autocannon from 'autocannon';
import type { ProductCost } from './product-cost.ts';
import { cpuMs, peakRssBytes } from './proc-stats.ts';

/** One request autocannon sends; several are sent round-robin on each connection. */
export interface LoadRequest {
  /** The body sent (and checked, and used to drain); `vary` may send another each time. */
  body: string;
  headers?: Record<string, string>;
  /**
   * Makes every request sent its own (no two alike): called for each one with the state of
   * the connection sending it, which lasts as long as the connection. What it returns
   * replaces the body and adds to the headers.
   */
  vary?: (connection: Record<string, unknown>) => { body?: string; headers?: Record<string, string> };
}

/** What one measured run of one gateway yields. */
export interface RunFigures {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  /** What each product spent on this gateway's requests, where the bench meters its products. */
  products?: Record<string, ProductCost>;
}

export interface LoadOptions {
  url: string;
  requests: readonly LoadRequest[];
  connections: number;
  durationSeconds: number;
}

/** The raw outcome of one autocannon run against one gateway. */
export interface RawRun {
  latencies: number[];
  durationSeconds: number;
  non2xx: number;
  errors: number;
  cpuMs: number;
}

function autocannonRequests(options: LoadOptions) {
  const path = new URL(options.url).pathname;
  return options.requests.map((r) => {
    const request = { method: 'POST', path, headers: { 'content-type': 'application/json', ...r.headers }, body: r.body };
    const { vary } = r;
    if (!vary) return request;
    return {
      ...request,
      setupRequest: <R extends { body?: string; headers?: Record<string, string> }>(sent: R, connection: Record<string, unknown>): R => {
        const own = vary(connection);
        return { ...sent, body: own.body ?? sent.body, headers: own.headers ? { ...sent.headers, ...own.headers } : sent.headers };
      },
    };
  });
}

/**
 * Drives `url` with autocannon and reads the gateway process's CPU time before and after.
 * Every response time is kept, because autocannon's own histogram has no p95.
 */
export async function measure(pid: number, options: LoadOptions): Promise<RawRun> {
  const latencies: number[] = [];
  const cpuBefore = cpuMs(pid);
  const instance = autocannon({ url: options.url, connections: options.connections, duration: options.durationSeconds, timeout: 30, requests: autocannonRequests(options) });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  return { latencies, durationSeconds: result.duration, non2xx: result.non2xx, errors: result.errors + result.timeouts, cpuMs: cpuMs(pid) - cpuBefore };
}

/** Folds the runs of one side (A B A B: two or more) into the figures printed for it. */
export function summarize(runs: readonly RawRun[], pid: number): RunFigures {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const total = latencies.length;
  const seconds = runs.reduce((sum, r) => sum + r.durationSeconds, 0);
  const cpu = runs.reduce((sum, r) => sum + r.cpuMs, 0);
  return {
    requests: total,
    rps: total / seconds,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    cpuMsPerRequest: total ? cpu / total : Number.NaN,
    peakRssMb: peakRssBytes(pid) / 1024 / 1024,
  };
}

/** Warm-up: the same load, unmeasured, so JIT, plan caches and connection pools are warm. */
export async function warmUp(options: LoadOptions): Promise<void> {
  await autocannon({ url: options.url, connections: options.connections, duration: options.durationSeconds, requests: autocannonRequests(options) });
}
