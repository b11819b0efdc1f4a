import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startMesh, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * SIGTERM to a real `meshgate serve` process: the request in flight completes, then the
 * process exits 0. catalog sits behind a proxy that holds each request until the test
 * releases it, so the request is provably in flight when the signal arrives.
 */
let mesh: MeshHarness;
let proxy: Server;
let child: ChildProcess | undefined;
const held: (() => void)[] = [];
let arrived: () => void = () => {};

beforeAll(async () => {
  mesh = await startMesh();
  const catalogUrl = mesh.products.catalog!.running.url;
  proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    await new Promise<void>((release) => {
      held.push(release);
      arrived();
    });
    // Forward the gateway's signature headers: the product answers only signed requests.
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const upstream = await fetch(catalogUrl, { method: 'POST', headers, body });
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(await upstream.text());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
});
afterAll(async () => {
  child?.kill('SIGKILL');
  proxy?.closeAllConnections();
  proxy?.close();
  await mesh?.close();
});

describe('SIGTERM', () => {
  it('drains the request in flight, then exits 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, { running }] of Object.entries(mesh.products)) env[`MESHGATE_SUBGRAPH_URL_${name.toUpperCase().replaceAll('-', '_')}`] = running.url;
    env.MESHGATE_SUBGRAPH_URL_CATALOG = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
    const serve = spawn(process.execPath, ['bin/meshgate.js', 'serve', '--supergraph', 'schema/supergraph.graphql', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = serve;
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      serve.stdout!.on('data', (chunk) => {
        stdout += chunk;
        const match = /ready at (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      serve.once('exit', (code) => reject(new Error(`serve exited ${code} before it was ready: ${stdout}`)));
    });
    const exited = once(serve, 'exit');

    const reachedCatalog = new Promise<void>((resolve) => (arrived = resolve));
    const slow = postGraphQL(url, { query: '{ product(sku: "SKU-0001") { name } }' });
    await reachedCatalog;
    const stopping = new Promise<void>((resolve) => serve.stdout!.on('data', () => /SIGTERM received/.test(stdout) && resolve()));
    serve.kill('SIGTERM');
    // Release catalog only once the gateway is draining: the request is in flight across the signal.
    await stopping;
    held.splice(0).forEach((release) => release());

    const result = await slow;
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ product: { name: 'Eco Turntable' } });
    const [code] = await exited;
    expect(code).toBe(0);
    child = undefined;
  });
});
