import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { analystIdentity } from '../lib/analyst-identity.ts';
import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService } from '../lib/child-service.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { startMeshgate, startVanillaApollo, withServices } from '../lib/gateways.ts';
import { machineLine } from '../lib/machine.ts';
import { compact, ratios, runSideBySide } from '../lib/side-by-side.ts';
import { verifyIdenticalResponses } from '../lib/verify.ts';
import { DASHBOARD_QUERIES } from './dashboard-queries.ts';
import { SECURITY_FEATURE_URL, withoutSecurityDirectives } from './without-security-directives.ts';

/**
 * `npm run bench:mesh [-- --duration 30 --rounds 2 --warmup 5 --connections 50 --workers 2 --profile-dir DIR]`
 *
 * The demo mesh under a dashboard's queries: vanilla Apollo Gateway, meshgate uncached (as
 * shipped, and with request coalescing and fetch de-duplication off: `unshared`) and
 * meshgate with the watermark cache, each in its own process over the same five products.
 * The products' data does not change during the run, so after warm-up the cached gateway
 * answers from the cache: that is the "repeated analytics queries" case.
 *
 * meshgate runs as in production: signed product fetches, a bearer token checked against
 * a key, the demo's own access rules. Vanilla gets what Apollo's docs give it: a supergraph
 * composed from the same product SDLs without `@authenticated`/`@requiresScopes`/`@policy`
 * (it refuses those features), over a second set of the same products on the same stores
 * that accepts unsigned requests. Both are sent the same token, which holds every scope the
 * demo's rules ask for, so both must answer the same data; that is checked before timing.
 */
const args = readBenchArgs();
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-mesh-'));
await withServices(async (services) => {
  const products = await startChildService<{ type: 'ready'; urls: Record<string, string>; unsignedUrls: Record<string, string> }>(new URL('./products-process.ts', import.meta.url).pathname);
  services.push(products);
  const supergraph = join(dir, 'supergraph.graphql');
  composeMesh(supergraph, products.ready.urls);
  const vanillaSupergraph = join(dir, 'supergraph-without-security.graphql');
  composeMesh(vanillaSupergraph, products.ready.unsignedUrls, withoutSecurityDirectives);
  if (SECURITY_FEATURE_URL.test(readFileSync(vanillaSupergraph, 'utf8'))) throw new Error('the vanilla supergraph still links a security feature');
  const analyst = await analystIdentity();

  const meshgateConfig = { supergraph: { file: supergraph }, auth: analyst.auth };
  const uncached = await startMeshgate(meshgateConfig, args);
  services.push(uncached);
  // Request coalescing and fetch de-duplication off: every request executes on its own.
  const unshared = await startMeshgate({ ...meshgateConfig, coalesceQueries: false, transport: { dedupe: false } }, { workers: args.workers });
  services.push(unshared);
  const cached = await startMeshgate({ ...meshgateConfig, cache: { enabled: true } }, { workers: args.workers, profileDir: args.profileDir && `${args.profileDir}/cached` });
  services.push(cached);
  const vanilla = await startVanillaApollo(vanillaSupergraph);
  services.push(vanilla);

  const requests = DASHBOARD_QUERIES.map((q) => ({ body: JSON.stringify({ query: q.query }), headers: { authorization: `Bearer ${analyst.token}` } }));
  const gateways = [
    { label: 'meshgate', url: uncached.ready.url, pid: uncached.pid },
    { label: 'meshgate-unshared', url: unshared.ready.url, pid: unshared.pid },
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
      meshgateUnshared: compact(figures['meshgate-unshared']!),
      meshgateCached: compact(figures['meshgate-cached']!),
      vanilla: compact(vanillaFigures),
      ratio: {
        uncached: ratios(figures.meshgate!, vanillaFigures),
        unshared: ratios(figures['meshgate-unshared']!, vanillaFigures),
        cached: ratios(figures['meshgate-cached']!, vanillaFigures),
      },
    }),
  );
});
rmSync(dir, { recursive: true, force: true });

/** Composes the demo products' SDLs, each passed through `edit`, into `file`, served at `urls`. */
function composeMesh(file: string, urls: Record<string, string>, edit: (sdl: string) => string = (sdl) => sdl): void {
  composeSupergraph(
    DEMO_MESH.map((member) => ({ name: member.name, sdl: edit(readFileSync(join(member.definition.dir, 'schema.graphql'), 'utf8')), url: urls[member.name]! })),
    file,
  );
}

