import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/** A request the proxy holds: released, it is forwarded; failed, it gets `status` and a plain-text body. */
export interface HeldRequest {
  release(): void;
  fail(status: number): void;
}

/**
 * An HTTP proxy in front of a product that holds every request until the test lets it go,
 * so a test knows exactly which requests are in flight together. It forwards the gateway's
 * signature headers (the product answers only signed requests) and the product's answer.
 */
export class HoldingProxy {
  readonly held: HeldRequest[] = [];
  /** Requests that reached the proxy since the last `reset()`. */
  received = 0;
  private readonly server: Server;
  private arrivalWaiters: (() => void)[] = [];

  private constructor(upstreamUrl: string) {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      this.received++;
      const failWith = await new Promise<number | undefined>((resolve) => {
        this.held.push({ release: () => resolve(undefined), fail: (status) => resolve(status) });
        for (const wake of this.arrivalWaiters.splice(0)) wake();
      });
      if (failWith) {
        res.writeHead(failWith, { 'content-type': 'text/plain' }).end('upstream broke');
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
      const upstream = await fetch(upstreamUrl, { method: 'POST', headers, body });
      res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([name]) => !['content-length', 'transfer-encoding', 'connection'].includes(name))));
      res.end(await upstream.text());
    });
  }

  static async start(upstreamUrl: string): Promise<HoldingProxy> {
    const proxy = new HoldingProxy(upstreamUrl);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  /** Resolves once a request is being held. */
  nextArrival(): Promise<void> {
    return new Promise((resolve) => this.arrivalWaiters.push(resolve));
  }

  releaseAll(): void {
    for (const request of this.held.splice(0)) request.release();
  }

  reset(): void {
    this.releaseAll();
    this.received = 0;
  }

  close(): void {
    this.releaseAll();
    this.server.closeAllConnections();
    this.server.close();
  }
}
