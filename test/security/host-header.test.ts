import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { loadGatewayConfig } from '../../gateway/config-loader.ts';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { hostGuard } from '../../gateway/http/host-guard.ts';
import { startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * DNS rebinding: a page whose name now resolves to 127.0.0.1 makes the victim's browser
 * call the development gateway with the page's own name as `Host`. The gateway answers
 * only names of this machine and configured ones; anything else gets 421 HOST_NOT_ALLOWED,
 * on every route.
 */
let mesh: MeshHarness;
let named: RunningGateway;
beforeAll(async () => {
  mesh = await startWorkerMesh();
  named = await startGatewayOn(mesh, { allowedHosts: ['gateway.internal'] });
});
afterAll(async () => {
  await named?.close();
  await mesh?.close();
});

interface Answer {
  status: number;
  body: string;
}

/** A request to the gateway at `url` that says `Host: host`, which fetch cannot send. */
function send(url: string, options: { host: string; path: string; method?: string; body?: string }): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: options.path, method: options.method ?? 'GET', headers: { host: options.host, ...(options.body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((e) => e.extensions?.code);
const GRAPHQL = { path: '/graphql', method: 'POST', body: JSON.stringify({ query: '{ customer(id: "C00042") { id } }' }) };

describe('the development gateway', () => {
  const port = () => new URL(mesh.gateway.url).port;

  for (const host of ['evil.example', 'evil.example:4000', 'localhost.evil.example', '127.0.0.1.nip.io', 'user@localhost', 'localhost/x']) {
    it(`refuses Host ${JSON.stringify(host)} with 421 HOST_NOT_ALLOWED on every route, before any product is asked`, async () => {
      mesh.clearQueryLogs();
      for (const target of [GRAPHQL, { path: '/health' }, { path: '/ready' }, { path: '/metrics' }, { path: '/catalog.json' }, { path: '/no-such-route' }]) {
        const answer = await send(mesh.gateway.url, { host, ...target });
        expect([target.path, answer.status]).toEqual([target.path, 421]);
        expect(codeOf(answer)).toEqual(['HOST_NOT_ALLOWED']);
        expect(answer.body).not.toContain(host);
      }
      expect(mesh.fetches('customers')).toEqual([]);
    });
  }

  it('refuses a request without a Host header (HTTP/1.0) with 421 HOST_NOT_ALLOWED', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port()), '127.0.0.1', () => socket.end('GET /health HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 421 /);
    expect(raw).toContain('"HOST_NOT_ALLOWED"');
  });

  it('answers the names of this machine, with any port or none', async () => {
    for (const host of [`localhost:${port()}`, `127.0.0.1:${port()}`, `[::1]:${port()}`, 'LOCALHOST', '127.0.0.1']) {
      expect([host, (await send(mesh.gateway.url, { host, path: '/health' })).status]).toEqual([host, 200]);
      const answer = await send(mesh.gateway.url, { host, ...GRAPHQL });
      expect(JSON.parse(answer.body)).toMatchObject({ data: { customer: { id: 'C00042' } } });
    }
  });

  it('answers a name in allowedHosts as well, and still no other', async () => {
    expect((await send(named.url, { host: 'gateway.internal:8080', path: '/health' })).status).toBe(200);
    expect((await send(named.url, { host: 'localhost', path: '/health' })).status).toBe(200);
    const refused = await send(named.url, { host: 'gateway.internal.evil.example', path: '/health' });
    expect(refused.status).toBe(421);
    expect(codeOf(refused)).toEqual(['HOST_NOT_ALLOWED']);
  });
});

describe('the guard by mode', () => {
  it('is off in production unless allowedHosts is set, and on with it', () => {
    expect(hostGuard(resolveGatewayConfig({ mode: 'production' }))).toBeUndefined();
    const guard = hostGuard(resolveGatewayConfig({ mode: 'production', allowedHosts: ['Meshgate.Corp.Example'] }))!;
    expect(() => guard({ headers: { host: 'meshgate.corp.example' } } as never)).not.toThrow();
    expect(() => guard({ headers: { host: 'evil.example' } } as never)).toThrow(expect.objectContaining({ code: 'HOST_NOT_ALLOWED' }));
  });

  it('answers the address it is bound to, but a wildcard bind names no host', () => {
    expect(() => hostGuard(resolveGatewayConfig({ host: '10.1.2.3' }))!({ headers: { host: '10.1.2.3:4000' } } as never)).not.toThrow();
    expect(() => hostGuard(resolveGatewayConfig({ host: '0.0.0.0' }))!({ headers: { host: '0.0.0.0:4000' } } as never)).toThrow(expect.objectContaining({ code: 'HOST_NOT_ALLOWED' }));
  });

  it('reads MESHGATE_ALLOWED_HOSTS as a comma-separated list', () => {
    expect(loadGatewayConfig({ env: { MESHGATE_ALLOWED_HOSTS: 'gateway.internal, Meshgate.Corp.Example,' } }).allowedHosts).toEqual(['gateway.internal', 'meshgate.corp.example']);
  });

  it('refuses an allowedHosts entry with a port or a scheme at start-up with CONFIG_INVALID', () => {
    for (const entry of ['gateway.internal:443', 'https://gateway.internal', '::1']) {
      expect(() => resolveGatewayConfig({ allowedHosts: [entry] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
