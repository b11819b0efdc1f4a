import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRegistryAgreements } from '../../../gateway/supergraph/agreement-source.ts';
import type { GatewayAgreements } from '../../../schema/registry/agreements.ts';

/**
 * How a gateway takes the registry's agreements, as it takes the supergraph: read once at
 * start (a registry that cannot answer refuses the start), then polled with If-None-Match;
 * a document it cannot read, or a registry that is away, leaves the last good ones holding.
 * The registry here is a stand-in that answers what each poll is scripted to get, so the
 * broken answers a real registry never gives can be sent. A poll times out at its interval,
 * but never sooner than 10 s: the short intervals here are waited past, not cut short, by a
 * registry slower than them.
 */
type Answer = { status: number; body?: string; etag?: string; delayMs?: number };

const grant = (id: number) => ({ id, consumer: 'dash', application: 'dash-app', product: 'sales', classifications: ['confidential'], purpose: 'p', endsAt: '2099-01-01T00:00:00.000Z' });
const documentWith = (...ids: number[]): GatewayAgreements => ({ governed: ['confidential', 'restricted'], grants: ids.map(grant) as GatewayAgreements['grants'] });

let server: Server | undefined;
let stop: (() => void) | undefined;

afterEach(async () => {
  stop?.();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A registry answering `script` in order (the last answer repeats), recording each request's If-None-Match. */
async function scriptedRegistry(script: Answer[]): Promise<{ url: string; seen: (string | undefined)[] }> {
  const seen: (string | undefined)[] = [];
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    expect(request.url).toBe('/v1/grants');
    expect(request.headers.authorization).toBe('Bearer gateway-token');
    const answer = script[Math.min(seen.length, script.length - 1)]!;
    seen.push(request.headers['if-none-match'] as string | undefined);
    setTimeout(() => {
      response.writeHead(answer.status, answer.etag ? { etag: answer.etag } : {});
      response.end(answer.body);
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && !done(); ) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

describe("the gateway's agreements from the registry", () => {
  it('polls with the ETag it holds; a 304 keeps the document, a new one replaces it whole', async () => {
    const registry = await scriptedRegistry([
      { status: 200, body: JSON.stringify(documentWith(1)), etag: '"one"' },
      { status: 304, etag: '"one"' },
      { status: 200, body: JSON.stringify(documentWith(2)), etag: '"two"' },
      { status: 304, etag: '"two"' },
    ]);
    const taken: GatewayAgreements[] = [];
    stop = await watchRegistryAgreements({ registry: { url: registry.url, token: 'gateway-token' }, intervalMs: 250, onAgreements: (d) => taken.push(d), log: () => {} });
    await until(() => registry.seen.length >= 4);
    expect(registry.seen.slice(0, 4)).toEqual([undefined, '"one"', '"one"', '"two"']);
    expect(taken.map((d) => d.grants.map((g) => g.id))).toEqual([[1], [2]]);
  });

  it.each<[string, Answer]>([
    ['not JSON', { status: 200, body: '<html>oops</html>', etag: '"x"' }],
    ['a grant with no application', { status: 200, body: JSON.stringify({ governed: ['confidential'], grants: [{ ...grant(9), application: '' }] }), etag: '"x"' }],
    ['an unknown classification', { status: 200, body: JSON.stringify({ governed: ['top-secret'], grants: [] }), etag: '"x"' }],
    ['an end date that is no date', { status: 200, body: JSON.stringify({ governed: [], grants: [{ ...grant(9), endsAt: 'soon' }] }), etag: '"x"' }],
    ['the registry away (HTTP 503)', { status: 503, body: 'down' }],
  ])('%s: refused with one line, and the last good agreements keep holding', async (_what, broken) => {
    const registry = await scriptedRegistry([{ status: 200, body: JSON.stringify(documentWith(1)), etag: '"one"' }, broken]);
    const taken: GatewayAgreements[] = [];
    const lines: string[] = [];
    stop = await watchRegistryAgreements({ registry: { url: registry.url, token: 'gateway-token' }, intervalMs: 250, onAgreements: (d) => taken.push(d), log: (line) => lines.push(line) });
    await until(() => lines.length >= 2);
    expect(taken.map((d) => d.grants.map((g) => g.id))).toEqual([[1]]);
    const code = broken.status === 200 ? 'SUPERGRAPH_INVALID' : 'SUPERGRAPH_NOT_LOADED';
    for (const line of lines) expect(line).toMatch(new RegExp(`^${code}: `));
  });

  it('a registry slower to answer than the poll interval is waited for: its new agreements are taken, not abandoned at each interval', async () => {
    const registry = await scriptedRegistry([
      { status: 200, body: JSON.stringify(documentWith(1)), etag: '"one"' },
      { status: 200, body: JSON.stringify(documentWith(2)), etag: '"two"', delayMs: 600 },
    ]);
    const taken: GatewayAgreements[] = [];
    const lines: string[] = [];
    stop = await watchRegistryAgreements({ registry: { url: registry.url, token: 'gateway-token' }, intervalMs: 100, onAgreements: (d) => taken.push(d), log: (line) => lines.push(line) });
    await until(() => taken.length >= 2 || lines.length >= 3);
    expect(lines).toEqual([]);
    expect(taken.slice(0, 2).map((d) => d.grants.map((g) => g.id))).toEqual([[1], [2]]);
  });

  it('a registry that cannot give the agreements at start refuses the start: no agreements known is no access to decide', async () => {
    const registry = await scriptedRegistry([{ status: 503, body: 'down' }]);
    await expect(watchRegistryAgreements({ registry: { url: registry.url, token: 'gateway-token' }, intervalMs: 250, onAgreements: () => {}, log: () => {} })).rejects.toMatchObject({
      code: 'SUPERGRAPH_NOT_LOADED',
    });
  });
});
