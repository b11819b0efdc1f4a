import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli, type CliProcess } from '../../support/cli-process.ts';
import { HoldingProxy } from '../../support/holding-proxy.ts';
import { postGraphQL, startMesh, type MeshHarness } from '../../support/mesh-harness.ts';
import { redisAvailable, startOwnRedis, type OwnRedis } from '../../support/services.ts';

/**
 * SIGTERM to a real `meshgate serve` process: the request in flight completes, then the
 * process exits 0. catalog sits behind a proxy that holds each request until the test
 * releases it, so the request is provably in flight when the signal arrives.
 */
let mesh: MeshHarness;
let proxy: HoldingProxy;
let child: ChildProcess | undefined;

beforeAll(async () => {
  mesh = await startMesh();
  proxy = await HoldingProxy.start(mesh.products.catalog!.running.url);
});
afterAll(async () => {
  child?.kill('SIGKILL');
  proxy?.close();
  await mesh?.close();
});

describe('SIGTERM', () => {
  it('drains the request in flight, then exits 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, { running }] of Object.entries(mesh.products)) env[`MESHGATE_SUBGRAPH_URL_${name.toUpperCase().replaceAll('-', '_')}`] = running.url;
    env.MESHGATE_SUBGRAPH_URL_CATALOG = proxy.url;
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

    const reachedCatalog = proxy.nextArrival();
    const slow = postGraphQL(url, { query: '{ product(sku: "SKU-0001") { name } }' });
    await reachedCatalog;
    const stopping = new Promise<void>((resolve) => serve.stdout!.on('data', () => /SIGTERM received/.test(stdout) && resolve()));
    serve.kill('SIGTERM');
    // Release catalog only once the gateway is draining: the request is in flight across the signal.
    await stopping;
    proxy.releaseAll();

    const result = await slow;
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ product: { name: 'Eco Turntable' } });
    const [code] = await exited;
    expect(code).toBe(0);
    child = undefined;
  });
});

describe.skipIf(!(await redisAvailable()))('SIGTERM after a client dropped while waiting on a rate-limit token', () => {
  let redis: OwnRedis | undefined;
  let gateway: CliProcess | undefined;
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    redis?.process.kill('SIGCONT');
    redis?.process.kill('SIGKILL');
  });

  it('exits 0 without waiting out the drain timeout', async () => {
    redis = await startOwnRedis();
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-drain-'));
    // A drain timeout far beyond this test's own: only a prompt exit passes.
    const config = {
      rateLimit: { capacity: 100, refillPerSecond: 100 },
      sharedState: { redisUrl: redis.url, commandTimeoutMs: 1_500 },
      shutdown: { drainTimeoutMs: 60_000 },
      usage: { file: join(dir, 'usage.jsonl') },
    };
    writeFileSync(join(dir, 'meshgate.yaml'), stringify(config));
    gateway = runCli(['serve', '--config', join(dir, 'meshgate.yaml'), '--port', '0'], { MESHGATE_LOG_LEVEL: 'info' });
    const url = new URL(await gateway.waitFor(/ready at (http:\/\/\S+)/));

    // Redis frozen: the request waits on its token until the command times out.
    redis.process.kill('SIGSTOP');
    const client = httpRequest({ host: url.hostname, port: url.port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } });
    client.on('error', () => {});
    client.end(JSON.stringify({ query: '{ __typename }' }));
    await new Promise((resolve) => client.once('socket', (socket) => socket.once('connect', resolve)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.destroy();
    // The token's command timed out after the client left; the handler went on with a closed response.
    await gateway.waitFor(/degraded to memory/);

    await gateway.stop('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toMatch(/SIGTERM received/);
    gateway = undefined;
  }, 35_000);
});
