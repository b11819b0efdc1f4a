import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import type { FailoverStore } from '../../../gateway/shared-state/failover-store.ts';
import { runCli, type CliProcess } from '../../support/cli-process.ts';
import { postGraphQL, type MeshHarness } from '../../support/mesh-harness.ts';
import { loggerToLines } from '../../support/log-lines.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';
import { redisAvailable, startOwnRedis, TEST_REDIS_URL, type OwnRedis } from '../../support/services.ts';

const available = await redisAvailable();
const QUERY = { query: '{ product(sku: "SKU-0003") { sku } }' };

describe.skipIf(!available)('gateway replicas sharing Redis', () => {
  let mesh: MeshHarness;
  const keyPrefix = `meshgate-test:${process.pid}:${Date.now()}:`;
  beforeAll(async () => {
    mesh = await startWorkerMesh();
  });
  afterAll(async () => {
    await mesh?.close();
  });

  it('behave as one: a persisted query, a cache entry and a rate limit are shared with a second gateway process', async () => {
    const subgraphUrls = Object.fromEntries(Object.entries(mesh.products).map(([name, p]) => [name, p.running.url]));
    const rateLimit = { capacity: 3, refillPerSecond: 0.01, by: 'client' as const };
    const sharedState = { redisUrl: TEST_REDIS_URL, keyPrefix };
    const cache = { enabled: true, watermarkCheckMs: 0 };
    const inProcess = await startGateway(resolveGatewayConfig({ port: 0, subgraphUrls, rateLimit, sharedState, cache }));
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-replica-'));
    writeFileSync(join(dir, 'meshgate.yaml'), stringify({ subgraphUrls, rateLimit, sharedState, cache }));
    const other: CliProcess = runCli(['serve', '--config', join(dir, 'meshgate.yaml'), '--port', '0']);
    try {
      const otherUrl = await other.waitFor(/ready at (http:\/\/\S+)/, 60_000);

      // A persisted query registered through one replica is served by hash by the other.
      const query = '{ product(sku: "SKU-0042") { sku category } }';
      const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
      const apqClient = { 'apollographql-client-name': 'apq-client' };
      expect((await postGraphQL(inProcess.url, { query, extensions }, apqClient)).body.errors).toBeUndefined();
      const byHash = await postGraphQL(otherUrl, { extensions }, apqClient);
      expect(byHash.body.errors).toBeUndefined();
      expect(byHash.body.data).toEqual({ product: { sku: 'SKU-0042', category: 'Books' } });

      // A cache entry written by one replica is hit by the other: the product runs no statement.
      const cached = { query: '{ categories { category productCount } }' };
      const cacheClient = { 'apollographql-client-name': 'cache-client' };
      const first = await postGraphQL(otherUrl, cached, cacheClient);
      expect(first.body.errors).toBeUndefined();
      mesh.clearQueryLogs();
      const second = await postGraphQL(inProcess.url, cached, cacheClient);
      expect(second.body.data).toEqual(first.body.data);
      expect(mesh.statements('catalog').filter((sql) => !/meshgate_(watermark|seed)/.test(sql))).toEqual([]);
      expect(inProcess.cache!.stats.hits).toBe(1);

      // One rate limit: the bucket spent through both replicas.
      const headers = { 'apollographql-client-name': 'dashboard-a' };
      const statuses = [];
      for (const url of [inProcess.url, otherUrl, inProcess.url]) statuses.push((await postGraphQL(url, QUERY, headers)).status);
      expect(statuses).toEqual([200, 200, 200]);
      const limited = await postGraphQL(otherUrl, QUERY, headers);
      expect(limited.status).toBe(429);
      expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another client has its own bucket.
      expect((await postGraphQL(inProcess.url, QUERY, { 'apollographql-client-name': 'dashboard-b' })).status).toBe(200);
    } finally {
      await other.stop();
      await inProcess.close();
    }
  }, 90_000);
});

describe.skipIf(!available)('Redis going away mid-test', () => {
  let mesh: MeshHarness;
  let gateway: RunningGateway | undefined;
  let redis: OwnRedis | undefined;
  afterAll(async () => {
    await gateway?.close();
    redis?.process.kill('SIGKILL');
    await mesh?.close();
  });

  it('keeps serving, degraded to memory, logs it, and returns to Redis when it is back', async () => {
    mesh = await startWorkerMesh();
    redis = await startOwnRedis();
    const { logger, lines } = loggerToLines();
    const subgraphUrls = Object.fromEntries(Object.entries(mesh.products).map(([name, p]) => [name, p.running.url]));
    gateway = await startGateway(resolveGatewayConfig({ port: 0, subgraphUrls, rateLimit: { capacity: 1000, refillPerSecond: 100 }, sharedState: { redisUrl: redis.url } }), { logger });
    const state = gateway.sharedState as FailoverStore;
    expect((await postGraphQL(gateway.url, QUERY)).status).toBe(200);
    expect(state.kind).toBe('redis');

    redis.process.kill('SIGKILL');
    await new Promise((resolve) => redis!.process.once('exit', resolve));
    for (let i = 0; i < 5; i++) {
      const result = await postGraphQL(gateway.url, QUERY);
      expect(result.status).toBe(200);
      expect(result.body.data.product.sku).toBe('SKU-0003');
    }
    expect(state.isDegraded).toBe(true);
    expect(state.kind).toBe('memory');
    expect(lines.some((line) => line.includes('degraded to memory'))).toBe(true);

    redis = await startOwnRedis(redis.port);
    // ioredis reconnects on its own schedule; poll a bounded number of requests for it.
    for (let attempt = 0; attempt < 50 && state.isDegraded; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await postGraphQL(gateway.url, QUERY)).status).toBe(200);
    }
    expect(state.kind).toBe('redis');
    expect(lines.some((line) => line.includes('primary store is back'))).toBe(true);
  });
});

describe.skipIf(!available)('Redis frozen (SIGSTOP): the socket stays open and nothing answers', () => {
  let mesh: MeshHarness;
  let gateway: RunningGateway | undefined;
  let redis: OwnRedis | undefined;
  afterAll(async () => {
    redis?.process.kill('SIGCONT');
    await gateway?.close();
    redis?.process.kill('SIGKILL');
    await mesh?.close();
  });

  it('serves rate-limited requests from memory past the command timeout, then goes back to Redis after SIGCONT', async () => {
    mesh = await startWorkerMesh();
    redis = await startOwnRedis();
    const { logger, lines } = loggerToLines();
    const subgraphUrls = Object.fromEntries(Object.entries(mesh.products).map(([name, p]) => [name, p.running.url]));
    gateway = await startGateway(resolveGatewayConfig({ port: 0, subgraphUrls, rateLimit: { capacity: 1000, refillPerSecond: 100 }, sharedState: { redisUrl: redis.url, commandTimeoutMs: 200 } }), {
      logger,
    });
    const state = gateway.sharedState as FailoverStore;
    expect((await postGraphQL(gateway.url, QUERY)).status).toBe(200);
    expect(state.kind).toBe('redis');

    // Frozen for the rest of the phase: a gateway that waited on Redis would never answer.
    redis.process.kill('SIGSTOP');
    for (let i = 0; i < 5; i++) {
      const result = await postGraphQL(gateway.url, QUERY);
      expect(result.status).toBe(200);
      expect(result.body.data.product.sku).toBe('SKU-0003');
    }
    expect(state.kind).toBe('memory');
    expect(lines.filter((line) => line.includes('degraded to memory'))).toHaveLength(1);
    expect(lines.some((line) => line.includes('timed out'))).toBe(true);

    redis.process.kill('SIGCONT');
    for (let attempt = 0; attempt < 50 && state.isDegraded; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await postGraphQL(gateway.url, QUERY)).status).toBe(200);
    }
    expect(state.kind).toBe('redis');
    expect(lines.some((line) => line.includes('primary store is back'))).toBe(true);
    // The bucket is taken from Redis again.
    const { Redis } = await import('ioredis');
    const reader = new Redis(redis.url);
    try {
      expect((await reader.keys('*ratelimit:*')).length).toBeGreaterThan(0);
    } finally {
      reader.disconnect();
    }
  }, 60_000);
});
