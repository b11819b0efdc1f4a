import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, loadUndiciCore, request } from '../../schema/base/undici-core.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe("undici's pool and request without the rest of undici", () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; url?: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends GET to the path and query of the URL, on the global dispatcher', async () => {
    const response = await request(`${base}/health?x=1`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ method: 'GET', url: '/health?x=1' });
  });

  it('sends PUT when a body is given without a method, as undici does, and the method given otherwise', async () => {
    const put = await request(new URL('/a', base), { body: 'one' });
    await put.body.dump();
    const post = await request(new URL('/b', base), { method: 'POST', body: 'two', headers: { 'content-type': 'text/plain' } });
    await post.body.dump();
    expect(seen.slice(-2)).toEqual([
      { method: 'PUT', url: '/a', body: 'one' },
      { method: 'POST', url: '/b', body: 'two' },
    ]);
  });

  it('uses the dispatcher it is given', async () => {
    const agent = new Agent({ connections: 1 });
    const dispatched: string[] = [];
    const counting = agent.compose((dispatch) => (options, handler) => {
      dispatched.push(String(options.path));
      return dispatch(options, handler);
    });
    const response = await request(`${base}/via-agent`, { dispatcher: counting });
    await response.body.dump();
    await agent.close();
    expect(dispatched).toEqual(['/via-agent']);
  });

  it("falls back to undici's main entry when a file's export is not what it calls, and still sends", async () => {
    const load = createRequire(import.meta.url);
    // As a later undici might: the file is there, its export renamed.
    const fallback = loadUndiciCore((id) => (id.endsWith('/api-request.js') ? { request: load(id) } : load(id)));
    expect(fallback.source).toBe('main-entry');
    const response = await request(`${base}/fallback?y=2`, { method: 'POST', body: 'three' }, fallback);
    expect(await response.body.json()).toEqual({ method: 'POST', url: '/fallback?y=2' });
    const agent = new fallback.Agent({ connections: 1 });
    const viaAgent = await request(`${base}/fallback-agent`, { dispatcher: agent }, fallback);
    await viaAgent.body.dump();
    await agent.close();
    expect(seen.slice(-2).map(({ url }) => url)).toEqual(['/fallback?y=2', '/fallback-agent']);
  });

  it('falls back for a file that is not there, and reports an error inside undici as it is', () => {
    const missing = Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
    expect(
      loadUndiciCore(() => {
        throw missing;
      }).source,
    ).toBe('main-entry');
    const broken = new TypeError('undici failed to load');
    expect(() =>
      loadUndiciCore(() => {
        throw broken;
      }),
    ).toThrow(broken);
  });

  it("the gateway's serve path loads undici's main entry nowhere", () => {
    // In a process of its own: the test runner's process may have loaded undici for others.
    const script = `
      import { createRequire } from 'node:module';
      await import('./gateway/cli/serve-command.ts');
      await import('./gateway/create-gateway.ts');
      await import('./gateway/running-gateway.ts');
      const { undiciCoreSource } = await import('./schema/base/undici-core.ts');
      const cache = createRequire(import.meta.url).cache;
      const undici = Object.keys(cache).filter((file) => file.includes('/node_modules/undici/'));
      console.log(JSON.stringify({ source: undiciCoreSource, files: undici.length, main: undici.some((file) => file.endsWith('/node_modules/undici/index.js')) }));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const loaded = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { source: string; files: number; main: boolean };
    expect(loaded.source).toBe('core');
    expect(loaded.files).toBeGreaterThan(0);
    expect(loaded.main).toBe(false);
  });
});
