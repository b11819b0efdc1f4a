/**
 * Hostile load: the soak's kind of valid traffic, alone and then beside each attack a shared
 * front door meets, with figures per phase. No assertions: a script that prints.
 *
 *   npm run bench:hostile                 (about 75 s: five phases of --phase seconds, 12 by default)
 *   npm run bench:hostile -- --phase 8 --connections 4
 *
 * The five demo products run in this process; the gateway runs as its own `meshgate serve`
 * process (so its memory is its own), with rate limits on a Redis this script starts on a
 * free port and may freeze. Every request goes to 127.0.0.1.
 *
 * Per phase: how the attack's requests were answered (refused or served, by status and
 * code), the gateway's peak RSS and heap and event-loop delay (p99, max) from its
 * `/metrics`, and the valid requests' error count and p95 latency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { createDataProduct, type DataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

const { values: args } = parseArgs({ options: { phase: { type: 'string', default: '12' }, connections: { type: 'string', default: '4' } } });
const phaseMs = Number(args.phase) * 1000;
const connections = Number(args.connections);
if (!(phaseMs > 0) || !(connections > 0)) throw new Error('--phase and --connections must be positive numbers');

/**
 * Valid analytics reads of the soak's kind, of fields an anonymous caller may see (no
 * refusals: every error here is the gateway failing a caller it should serve).
 */
const VALID = [
  (i: number) => ({ query: 'query Customer($id: ID!) { customer(id: $id) { id segment signupDate } }', variables: { id: `C${String((i % 2000) + 1).padStart(5, '0')}` } }),
  (i: number) => ({
    query: 'query Product($sku: ID!) { product(sku: $sku) { name listPrice forecast(months: 3) { month units } } }',
    variables: { sku: `SKU-${String((i % 1000) + 1).padStart(4, '0')}` },
  }),
  () => ({ query: 'query Categories { categories { category productCount } }' }),
];

/** Each fragment spreads the next twice: 2^depth selections from a few hundred bytes. */
function fanOutDocument(depth: number): string {
  const fragments = Array.from({ length: depth }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return `query FanOut { ...F0 }\n${fragments.join('\n')}\nfragment F${depth} on Query { __typename }`;
}

interface Phase {
  name: string;
  attack?: (i: number) => { body: unknown; headers?: Record<string, string> };
  before?: () => void;
  after?: () => void;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve());
  });
  return { url: `redis://127.0.0.1:${port}`, process: child };
}

/** A pass-through in front of a product that, while `slow`, holds each request 3 s before forwarding it. */
async function startSlowableProxy(upstream: string): Promise<{ url: string; server: Server; setSlow(on: boolean): void }> {
  let slow = false;
  const server = createServer((req, res) => {
    const forward = () => {
      const out = httpRequest(new URL(req.url ?? '/', upstream), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (slow) setTimeout(forward, 3_000);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server, setSlow: (on) => (slow = on) };
}

/** The gateway's own figures from its `/metrics` (prom-client resets the event-loop histogram each scrape). */
async function scrape(origin: string): Promise<{ rss: number; heap: number; lagP99: number; lagMax: number; bytes: number }> {
  const text = await (await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? 'NaN');
  return {
    rss: read('meshgate_process_resident_memory_bytes'),
    heap: read('meshgate_nodejs_heap_size_used_bytes'),
    lagP99: read('meshgate_nodejs_eventloop_lag_p99_seconds'),
    lagMax: read('meshgate_nodejs_eventloop_lag_max_seconds'),
    bytes: text.length,
  };
}

async function main(): Promise<void> {
  const products: DataProduct[] = [];
  const subgraphUrls: Record<string, string> = {};
  for (const member of DEMO_MESH) {
    const product = await createDataProduct(member.definition);
    products.push(product);
    subgraphUrls[member.name] = (await product.listen({ port: 0 })).url;
  }
  // The slow product: forecasts, behind a proxy that can hold its answers.
  const slowable = await startSlowableProxy(subgraphUrls.forecasts!);
  subgraphUrls.forecasts = slowable.url;
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-hostile-'));
  const config = {
    subgraphUrls,
    sharedState: { redisUrl: redis.url },
    rateLimit: { capacity: 100_000, refillPerSecond: 100_000, by: 'ip' },
    transport: { products: { forecasts: { timeoutMs: 1_000 } } },
    usage: { file: join(dir, 'usage.jsonl') },
  };
  writeFileSync(join(dir, 'meshgate.yaml'), stringify(config));
  const gateway = spawn(process.execPath, ['bin/meshgate.js', 'serve', '--config', join(dir, 'meshgate.yaml'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MESHGATE_LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    gateway.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    gateway.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it was ready:\n${out}`)));
  });
  const target = new URL(url);
  const validPool = new Pool(target.origin, { connections });
  const attackPool = new Pool(target.origin, { connections: 4 });

  const phases: Phase[] = [
    { name: 'no attack (baseline)' },
    {
      name: 'invented client names',
      attack: (i) => ({
        body: { query: `query Invented${i} { __typename }` },
        headers: { 'apollographql-client-name': `client-${i}-${Math.random().toString(36).slice(2)}`, 'apollographql-client-version': `v${i}` },
      }),
    },
    { name: 'fragment fan-out document', attack: () => ({ body: { query: fanOutDocument(14) } }) },
    { name: 'frozen Redis (SIGSTOP)', before: () => redis.process.kill('SIGSTOP'), after: () => redis.process.kill('SIGCONT') },
    { name: 'slow product (forecasts +3 s)', before: () => slowable.setSlow(true), after: () => slowable.setSlow(false) },
  ];

  // Warm-up: the first requests plan queries and open connections; the baseline should not carry that.
  for (let i = 0; i < 30; i++)
    await (await validPool.request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json' }, body: JSON.stringify(VALID[i % VALID.length]!(i)) })).body.dump();
  const rows: string[] = [];
  console.log(`hostile load: ${phases.length} phases of ${args.phase} s, ${connections} valid connections, gateway at ${url}`);
  for (const phase of phases) {
    phase.before?.();
    const deadline = performance.now() + phaseMs;
    const latencies: number[] = [];
    let validErrors = 0;
    const validCodes = new Map<string, number>();
    const failValid = (code: string) => {
      validErrors++;
      validCodes.set(code, (validCodes.get(code) ?? 0) + 1);
    };
    const attackOutcomes = new Map<string, number>();
    let peak = { rss: 0, heap: 0, lagP99: 0, lagMax: 0, bytes: 0 };
    await scrape(target.origin).catch(() => undefined); // resets the event-loop histogram
    const sampler = setInterval(() => {
      void scrape(target.origin).then(
        (s) =>
          (peak = {
            rss: Math.max(peak.rss, s.rss),
            heap: Math.max(peak.heap, s.heap),
            lagP99: Math.max(peak.lagP99, s.lagP99),
            lagMax: Math.max(peak.lagMax, s.lagMax),
            bytes: Math.max(peak.bytes, s.bytes),
          }),
        () => {},
      );
    }, 1_000);
    let n = 0;
    const valid = async () => {
      while (performance.now() < deadline) {
        const i = n++;
        const started = performance.now();
        try {
          const response = await validPool.request({
            method: 'POST',
            path: target.pathname,
            headers: { 'content-type': 'application/json', 'apollographql-client-name': 'dashboard' },
            body: JSON.stringify(VALID[i % VALID.length]!(i)),
            headersTimeout: 15_000,
            bodyTimeout: 15_000,
          });
          const result = (await response.body.json()) as { errors?: { extensions?: { code?: string } }[] };
          if (response.statusCode !== 200 || result.errors?.length) failValid(result.errors?.[0]?.extensions?.code ?? `HTTP ${response.statusCode}`);
        } catch (error) {
          failValid((error as { code?: string }).code ?? (error as Error).name);
        }
        latencies.push(performance.now() - started);
      }
    };
    let a = 0;
    const attack = async () => {
      while (phase.attack && performance.now() < deadline) {
        const { body, headers } = phase.attack(a++);
        let outcome: string;
        try {
          const response = await attackPool.request({
            method: 'POST',
            path: target.pathname,
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
            headersTimeout: 15_000,
            bodyTimeout: 15_000,
          });
          const result = (await response.body.json()) as { errors?: { extensions?: { code?: string } }[] };
          outcome = result.errors?.length ? `refused ${response.statusCode} ${result.errors[0]!.extensions?.code ?? ''}` : `served ${response.statusCode}`;
        } catch (error) {
          outcome = `failed ${(error as { code?: string }).code ?? (error as Error).name}`;
        }
        attackOutcomes.set(outcome, (attackOutcomes.get(outcome) ?? 0) + 1);
      }
    };
    await Promise.all([...Array.from({ length: connections }, valid), ...Array.from({ length: phase.attack ? 4 : 0 }, attack)]);
    clearInterval(sampler);
    phase.after?.();
    const final = await scrape(target.origin).catch(() => peak);
    peak = { ...peak, rss: Math.max(peak.rss, final.rss), heap: Math.max(peak.heap, final.heap), bytes: Math.max(peak.bytes, final.bytes) };
    latencies.sort((x, y) => x - y);
    const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? Number.NaN;
    const attackText = phase.attack ? [...attackOutcomes].map(([k, v]) => `${k}: ${v}`).join(', ') : '-';
    const row = `| ${phase.name} | ${attackText} | ${mb(peak.rss)} | ${mb(peak.heap)} | ${ms(peak.lagP99)} / ${ms(peak.lagMax)} | ${latencies.length} | ${validErrors}${validErrors ? ` (${[...validCodes].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''} | ${p95.toFixed(0)} ms | ${(peak.bytes / 1024).toFixed(0)} KB |`;
    rows.push(row);
    console.log(row);
  }

  console.log('\n| phase | attack requests | gateway peak RSS | peak heap used | event-loop delay p99 / max | valid requests | valid errors | valid p95 | /metrics size |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);

  await validPool.close();
  await attackPool.close();
  gateway.kill('SIGTERM');
  await new Promise((resolve) => gateway.once('exit', resolve));
  redis.process.kill('SIGCONT');
  redis.process.kill('SIGKILL');
  slowable.server.closeAllConnections();
  slowable.server.close();
  await Promise.all(products.map((product) => product.close()));
}

await main();
