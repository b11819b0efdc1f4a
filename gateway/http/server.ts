import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { traceIncomingRequest } from '../../schema/protocol/trace-propagation.ts';
import { GracefulShutdown } from './graceful-shutdown.ts';

export interface HttpServer {
  readonly port: number;
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly shutdown: GracefulShutdown;
}

/**
 * The Node HTTP server in front of the gateway: every request in its own trace span,
 * drained on shutdown, listening once `handler` (which may use the drain) is in place.
 */
export async function serveHttp(options: {
  port: number;
  host: string;
  drainTimeoutMs: number;
  handler: (shutdown: GracefulShutdown) => (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}): Promise<HttpServer> {
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async () => {};
  const server = createServer((req, res) => {
    void traceIncomingRequest(req, res, 'meshgate gateway', {}, () => handle(req, res));
  });
  const shutdown = new GracefulShutdown(server, options.drainTimeoutMs);
  handle = options.handler(shutdown);
  // Longer than the usual load balancer's idle timeout (60 s), so the balancer closes first and never sends on a closing socket.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' ? 'localhost' : options.host;
  return { port, url: `http://${host}:${port}/graphql`, shutdown };
}
