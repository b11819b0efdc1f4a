import type { Server, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Drains the HTTP server on shutdown: stop accepting connections, let every request
 * already in flight finish (up to `drainTimeoutMs`), and close keep-alive connections
 * as their last response goes out. A request arriving on a kept-alive connection during
 * the drain gets SHUTTING_DOWN, so the client retries on another replica.
 */
export class GracefulShutdown {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private readonly idle = new EventTarget();

  constructor(
    private readonly server: Server,
    private readonly drainTimeoutMs: number,
  ) {}

  get shuttingDown(): boolean {
    return this.draining;
  }

  /** Counts `res` as in flight until it finishes or its connection closes. */
  track(res: ServerResponse): void {
    this.inFlight.add(res);
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.inFlight.delete(res);
      if (this.inFlight.size === 0) this.idle.dispatchEvent(new Event('idle'));
    });
  }

  /** Resolves once every in-flight request has finished, or the drain time is up. */
  async drain(): Promise<{ abandoned: number }> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Their sockets close after these responses instead of waiting idle for keep-alive.
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    if (this.inFlight.size > 0) {
      // `ref: false`: a drain that finished early must not hold the process for the deadline.
      await Promise.race([once(this.idle, 'idle'), sleep(this.drainTimeoutMs, undefined, { ref: false })]);
    }
    const abandoned = this.inFlight.size;
    // Whatever is left (requests past the deadline) is cut now.
    this.server.closeAllConnections();
    await closed;
    return { abandoned };
  }
}
