import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { afterEach, describe, expect, it } from 'vitest';
import { writeApolloResponse } from '../../schema/protocol/apollo-http.ts';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves `response` through writeApolloResponse on a real socket and reads what a client receives. */
async function served(response: () => HTTPGraphQLResponse): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  server = createServer((_req, res) => void writeApolloResponse(res, response()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const complete = (string: string, status = 200): HTTPGraphQLResponse => ({
  status,
  headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
  body: { kind: 'complete', string },
});

describe('writeApolloResponse', () => {
  it('sends an answer with its length in bytes, not in characters, and unchunked', async () => {
    // Two-byte and four-byte characters: the length in bytes differs from the string's length.
    const text = JSON.stringify({ data: { name: 'Zoë — ☃ 𝄞', items: Array.from({ length: 2000 }, (_, i) => ({ i, label: `é${i}` })) } });
    const { status, headers, bytes } = await served(() => complete(text));
    expect(status).toBe(200);
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(text));
    expect(Number(headers['content-length'])).not.toBe(text.length);
    expect(bytes.toString('utf8')).toBe(text);
  });

  it('keeps the status and headers Apollo set', async () => {
    const { status, headers, bytes } = await served(() => complete('{"errors":[{"message":"no"}]}', 400));
    expect(status).toBe(400);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(bytes.toString('utf8')).toBe('{"errors":[{"message":"no"}]}');
  });
});
