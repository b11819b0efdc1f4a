import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService } from '../lib/child-service.ts';
import { startMeshgate, startVanillaApollo, withServices } from '../lib/gateways.ts';
import { machineLine } from '../lib/machine.ts';
import { compact, ratios, runSideBySide } from '../lib/side-by-side.ts';
import { verifyIdenticalResponses } from '../lib/verify.ts';
import { DASHBOARD_QUERIES } from './dashboard-queries.ts';

/**
 * `npm run bench:mesh [-- --duration 30 --rounds 2 --warmup 5 --connections 50 --workers 2 --profile-dir DIR]`
 *
 * The demo mesh under a dashboard's queries: vanilla Apollo Gateway, meshgate uncached and
 * meshgate with the freshness cache, each in its own process over the same five products.
 * The products' data does not change during the run, so after warm-up the cached gateway
 * answers from the cache: that is the "repeated analytics queries" case.
 */
const args = readBenchArgs();
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-mesh-'));
await withServices(async (services) => {
  const products = await startChildService<{ type: 'ready'; urls: Record<string, string> }>(new URL('./products-process.ts', import.meta.url).pathname);
  services.push(products);
  // The committed supergraph names the default ports; point it where the products really are.
  const supergraph = join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraph,
    readFileSync('schema/supergraph.graphql', 'utf8').replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (_, name: string) => `@join__graph(name: "${name}", url: "${products.ready.urls[name]}")`),
  );
  const uncached = await startMeshgate({ supergraph: { file: supergraph } }, args);
  services.push(uncached);
  const cached = await startMeshgate({ supergraph: { file: supergraph }, cache: { enabled: true } }, { workers: args.workers });
  services.push(cached);
  const vanilla = await startVanillaApollo(supergraph);
  services.push(vanilla);

  const requests = DASHBOARD_QUERIES.map((q) => ({ body: JSON.stringify({ query: q.query }) }));
  const gateways = [
    { label: 'meshgate', url: uncached.ready.url, pid: uncached.pid },
    { label: 'meshgate-cached', url: cached.ready.url, pid: cached.pid },
    { label: 'vanilla-apollo', url: vanilla.ready.url, pid: vanilla.pid },
  ];
  const sizes = await verifyIdenticalResponses(gateways, requests);
  console.log(`${machineLine()}\nresponses identical for ${DASHBOARD_QUERIES.length} dashboard queries (${sizes.map((s) => `${(s / 1024).toFixed(1)} KB`).join(', ')})`);
  console.log(`${args.connections} connections, ${args.rounds} rounds of ${args.duration} s per gateway after ${args.warmup} s warm-up\n`);

  const figures = await runSideBySide(gateways.map((g) => ({ ...g, requests })), args);
  const vanillaFigures = figures['vanilla-apollo']!;
  console.log(
    JSON.stringify({
      bench: 'mesh',
      date: new Date().toISOString(),
      args,
      queries: DASHBOARD_QUERIES.map((q) => q.name),
      meshgate: compact(figures.meshgate!),
      meshgateCached: compact(figures['meshgate-cached']!),
      vanilla: compact(vanillaFigures),
      ratio: { uncached: ratios(figures.meshgate!, vanillaFigures), cached: ratios(figures['meshgate-cached']!, vanillaFigures) },
    }),
  );
});
rmSync(dir, { recursive: true, force: true });
