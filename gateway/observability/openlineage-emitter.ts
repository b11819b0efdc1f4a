import type { Logger } from 'pino';
import { Agent, request } from '../../schema/base/undici-core.ts';
import type { RunEvent } from '../../schema/exports/openlineage.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface LineageEmitterOptions {
  /** The collector's endpoint, e.g. Marquez's `http://marquez:5000/api/v1/lineage`. */
  url: string;
  /** Events sent per flush. */
  batchSize: number;
  flushIntervalMs: number;
  /** Events waiting to be sent; past it new ones are dropped (and counted), never waited for. */
  queueLimit: number;
  /** Longest wait for the collector to answer one event. */
  timeoutMs: number;
  /** Why an event was not delivered: `queue_full` (dropped on arrival) or `send_failed` (the collector refused it, failed or timed out). */
  onDrop: (reason: 'queue_full' | 'send_failed', count: number) => void;
  onSent: (count: number) => void;
  log: (line: string) => void;
}

/**
 * Ships OpenLineage run events to a collector off the request path. `enqueue` only pushes
 * onto a bounded queue: the event is built from what was captured when the flush timer
 * picks it up, and a collector that is down, slow or hanging costs events (dropped and
 * counted), never a response's time.
 *
 * A flush sends up to `batchSize` events, each in its own POST (Marquez's endpoint takes
 * one event per request), together over one keep-alive pool. One flush runs at a time: while
 * a collector hangs, the queue fills to `queueLimit` and later events are dropped.
 */
export class LineageEmitter<Captured> {
  private readonly queue: Captured[] = [];
  private readonly agent: Agent;
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  /** Logged once when delivery starts failing, not once per flush while the collector is down. */
  private failing = false;

  constructor(
    private readonly options: LineageEmitterOptions,
    /** Turns a captured operation into its event, at flush time. */
    private readonly build: (captured: Captured) => RunEvent,
  ) {
    this.agent = new Agent({ connections: options.batchSize, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connectTimeout: options.timeoutMs });
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Queues one operation's event; false when the queue was full and it was dropped. */
  enqueue(captured: Captured): boolean {
    if (this.closed || this.queue.length >= this.options.queueLimit) {
      this.options.onDrop('queue_full', 1);
      return false;
    }
    this.queue.push(captured);
    return true;
  }

  /** Sends one batch, unless one is still in flight. Resolves when that batch is settled. */
  flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return this.inFlight ?? Promise.resolve();
    const batch = this.queue.splice(0, this.options.batchSize);
    this.inFlight = this.send(batch).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async send(batch: Captured[]): Promise<void> {
    const results = await Promise.allSettled(batch.map(async (captured) => this.post(this.build(captured))));
    const failed = results.filter((result) => result.status === 'rejected');
    if (results.length > failed.length) this.options.onSent(results.length - failed.length);
    if (failed.length === 0) this.failing = false;
    else {
      this.options.onDrop('send_failed', failed.length);
      if (!this.failing)
        this.options.log(
          `openlineage: ${failed.length} event(s) not delivered to the collector: ${String((failed[0] as PromiseRejectedResult).reason?.message ?? failed[0])}; further failures are counted in meshgate_lineage_events_dropped_total`,
        );
      this.failing = true;
    }
  }

  private async post(event: RunEvent): Promise<void> {
    const response = await request(this.options.url, { method: 'POST', dispatcher: this.agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    await response.body.dump();
    if (response.statusCode >= 300) throw new Error(`collector answered ${response.statusCode}`);
  }

  /**
   * Stops the timer, sends what is queued (one bounded attempt, so a hanging collector
   * cannot hold a shutdown) and closes the pool; what is still unsent is dropped and counted.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.min(this.options.timeoutMs, 1000)).unref());
    const drain = (async () => {
      while (this.inFlight || this.queue.length > 0) await (this.inFlight ?? this.flush());
    })();
    await Promise.race([drain, deadline]);
    if (this.queue.length > 0) this.options.onDrop('send_failed', this.queue.splice(0).length);
    await this.agent.destroy();
  }
}

/**
 * The gateway's emitter for `lineage`, counting into `/metrics`; undefined while `lineage.url` is unset.
 * `build` makes the event of what the capturing plugin queued, in the configured namespace.
 */
export function openLineageEmitter<Captured>(
  config: GatewayConfig['lineage'],
  metrics: GatewayMetrics,
  logger: Logger,
  build: (captured: Captured, namespace: string) => RunEvent,
): LineageEmitter<Captured> | undefined {
  if (!config.url) return undefined;
  const { namespace } = config;
  return new LineageEmitter(
    {
      url: config.url,
      batchSize: config.batchSize,
      flushIntervalMs: config.flushIntervalMs,
      queueLimit: config.queueLimit,
      timeoutMs: config.timeoutMs,
      onDrop: (reason, count) => metrics.lineageEventsDropped.inc({ reason }, count),
      onSent: (count) => metrics.lineageEventsSent.inc(count),
      log: (line) => logger.warn(line),
    },
    (captured) => build(captured, namespace),
  );
}
