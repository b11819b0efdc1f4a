import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small OpenLineage collector: records every event POSTed to `/api/v1/lineage`, or, when
 * `hang` is set, takes the request and never answers.
 */
export async function startCollector(options: { hang?: boolean } = {}) {
  const events: any[] = [];
  const held: ServerResponse[] = [];
  let received = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received += 1;
      if (options.hang) return void held.push(res);
      if (req.url === '/api/v1/lineage' && req.method === 'POST') events.push(JSON.parse(body));
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/lineage`;
  return {
    url,
    events,
    received: () => received,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
