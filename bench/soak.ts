/**
 * Soak: sustained mixed load against the demo mesh, then figures: requests served, error
 * counts by code, and memory at start and end. No assertions: a script that prints.
 *
 *   npm run soak -- --duration 60 --connections 8
 *   npm run soak -- --url http://127.0.0.1:4000/graphql   (an already running gateway)
 *
 * Without --url it starts the five demo products and a gateway in this process (loopback
 * only), so the memory figures cover all of them.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { resolveGatewayConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/create-gateway.ts';
import { createDataProduct, type DataProduct } from '../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../subgraphs/demo-mesh.ts';
import { SeededRandom } from '../subgraphs/demo/seeded-random.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    'max-requests': { type: 'string', default: '2000000' },
    url: { type: 'string' },
  },
});
const durationMs = Number(args.duration) * 1000;
const connections = Number(args.connections);
const maxRequests = Number(args['max-requests']);
if (!(durationMs > 0) || !(connections > 0) || !(maxRequests > 0)) throw new Error('--duration, --connections and --max-requests must be positive numbers');

const APQ_QUERY = '{ categories { category productCount } }';
const APQ_HASH = createHash('sha256').update(APQ_QUERY).digest('hex');

/** The mix: mostly real analytics reads across products, plus the refusals a gateway sees all day. */
const MIX: readonly (readonly [(random: SeededRandom) => unknown, number])[] = [
  [(r) => ({ query: 'query($id: ID!) { customer(id: $id) { id name segment orderCount churnRisk } }', variables: { id: `C${String(r.int(1, 2000)).padStart(5, '0')}` } }), 30],
  [(r) => ({ query: 'query($sku: ID!) { product(sku: $sku) { name listPrice forecast(months: 3) { month units } } }', variables: { sku: `SKU-${String(r.int(1, 1000)).padStart(4, '0')}` } }), 20],
  [() => ({ query: '{ orders(first: 20, filter: { from: "2026-01-01" }) { edges { node { id total customer { name } lines { product { name } } } } } }' }), 15],
  [() => ({ query: '{ revenueByMonth(from: "2026-01-01", to: "2026-06-30") { month revenueUsd } }' }), 10],
  [() => ({ query: '{ insights(customerIds: ["C00001", "C00002", "C00042"]) { id lifetimeValueUsd valueTier } }' }), 10],
  [() => ({ query: APQ_QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: APQ_HASH } } }), 5],
  [() => ({ query: '{ customer(id: "C00001") { id ' }), 4], // GRAPHQL_PARSE_FAILED
  [() => ({ query: `{ customer(id: "C00001") ${'{ orders(first: 1) { edges { node { customer '.repeat(5)}{ id }${' } } } }'.repeat(5)} }` }), 3], // DEPTH_LIMIT_EXCEEDED
  [() => ({ query: '{ orders(first: 101) { totalCount } }' }), 3], // PAGE_SIZE_EXCEEDED from sales
];

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const products: DataProduct[] = [];
  let url = args.url;
  let closeGateway = async () => {};
  if (!url) {
    const subgraphUrls: Record<string, string> = {};
    for (const member of DEMO_MESH) {
      const product = await createDataProduct(member.definition);
      products.push(product);
      subgraphUrls[member.name] = (await product.listen({ port: 0 })).url;
    }
    const gateway = await startGateway(resolveGatewayConfig({ port: 0, subgraphUrls, mode: 'production' }));
    url = gateway.url;
    closeGateway = gateway.close;
  }
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections });
  const random = new SeededRandom('soak');
  const counts = new Map<string, number>();
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const weighted = MIX.map(([make, weight]) => [make, weight] as const);

  global.gc?.();
  const start = process.memoryUsage();
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  let served = 0;
  let sent = 0;
  console.log(`soak: ${args.duration}s, ${connections} connections, against ${url}`);
  const worker = async () => {
    while (performance.now() < deadline && sent < maxRequests) {
      sent++;
      const body = JSON.stringify(random.weighted(weighted)(random));
      try {
        const response = await pool.request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json' }, body });
        const result = (await response.body.json()) as { errors?: { extensions?: { code?: string } }[] };
        served++;
        if (response.statusCode >= 500) count(`HTTP ${response.statusCode}`);
        if (!result.errors?.length) count('OK');
        for (const error of result.errors ?? []) count(error.extensions?.code ?? '(no code)');
      } catch (error) {
        count(`TRANSPORT ${(error as { code?: string }).code ?? (error as Error).name}`);
      }
    }
  };
  const progress = setInterval(() => console.log(`  ${((performance.now() - startedAt) / 1000).toFixed(0)}s: ${served} served, rss ${mb(process.memoryUsage().rss)}`), 10_000);
  await Promise.all(Array.from({ length: connections }, worker));
  clearInterval(progress);
  const elapsed = (performance.now() - startedAt) / 1000;
  global.gc?.();
  const end = process.memoryUsage();

  console.log(`\nrequests served: ${served} in ${elapsed.toFixed(1)} s (${(served / elapsed).toFixed(0)} req/s)`);
  console.log('outcomes by code (a response can carry several errors):');
  for (const [code, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(28)} ${n}`);
  console.log(`memory at start: rss ${mb(start.rss)}, heap used ${mb(start.heapUsed)}`);
  console.log(`memory at end:   rss ${mb(end.rss)}, heap used ${mb(end.heapUsed)}${global.gc ? ' (after gc)' : ' (run with --expose-gc for figures after gc)'}`);

  await pool.close();
  await closeGateway();
  await Promise.all(products.map((product) => product.close()));
}

await main();
