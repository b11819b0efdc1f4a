import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService } from '../lib/child-service.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { startMeshgate, startVanillaApollo, withServices } from '../lib/gateways.ts';
import { machineLine } from '../lib/machine.ts';
import { compact, ratios, runSideBySide } from '../lib/side-by-side.ts';
import { postRaw, verifyIdenticalResponses } from '../lib/verify.ts';
import { FEDERATION_QUERY } from './query.ts';
import { FEDERATION_SUBGRAPHS } from './subgraphs.ts';

/**
 * `npm run bench [-- --duration 30 --rounds 2 --warmup 5 --connections 50 --workers 2 --profile-dir DIR]`
 *
 * The public federation benchmark: four subgraphs, one nested query, meshgate (as shipped,
 * and with request coalescing off) and a vanilla Apollo Gateway, each in its own process,
 * measured A B C A B C with autocannon. Prints figures per gateway and ends with one JSON
 * line. Figures only: nothing here asserts on time.
 */
const args = readBenchArgs();
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
await withServices(async (services) => {
  const subgraphs = await startChildService<{ type: 'ready'; urls: Record<string, string> }>(new URL('./subgraphs-process.ts', import.meta.url).pathname);
  services.push(subgraphs);
  const supergraph = join(dir, 'supergraph.graphql');
  composeSupergraph(FEDERATION_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: subgraphs.ready.urls[s.name]! })), supergraph);
  // Two meshgates: as shipped, and with request coalescing off, which shows what the engine
  // path alone is worth (every request plans, fetches and serializes on its own).
  const profile = (name: string) => (args.profileDir ? { ...args, profileDir: join(args.profileDir, name) } : args);
  // The benchmark's subgraphs are no data products: nothing classifies their fields, and
  // production refuses such a supergraph unless told it is meant.
  const benchGraph = { supergraph: { file: supergraph }, access: { allowUnclassifiedFields: true } };
  const meshgate = await startMeshgate(benchGraph, profile('meshgate'));
  services.push(meshgate);
  const uncoalesced = await startMeshgate({ ...benchGraph, coalesceQueries: false }, profile('meshgate-uncoalesced'));
  services.push(uncoalesced);
  // The engine alone, per engine: nothing shared between requests (no inbound coalescing, no
  // outbound fetch de-duplication), so every request plans, fetches, merges, shapes and
  // serializes on its own, as when no two requests are alike.
  const nothingShared = { ...benchGraph, coalesceQueries: false, transport: { dedupe: false } };
  const apolloEngine = await startMeshgate({ ...nothingShared, engine: 'apollo' }, profile('engine-apollo'));
  services.push(apolloEngine);
  const meshgateEngine = await startMeshgate({ ...nothingShared, engine: 'meshgate' }, profile('engine-meshgate'));
  services.push(meshgateEngine);
  const vanilla = await startVanillaApollo(supergraph);
  services.push(vanilla);

  const body = JSON.stringify({ query: FEDERATION_QUERY });
  const gateways = [
    { label: 'meshgate', url: meshgate.ready.url, pid: meshgate.pid },
    { label: 'meshgate-uncoalesced', url: uncoalesced.ready.url, pid: uncoalesced.pid },
    { label: 'engine-apollo', url: apolloEngine.ready.url, pid: apolloEngine.pid },
    { label: 'engine-meshgate', url: meshgateEngine.ready.url, pid: meshgateEngine.pid },
    { label: 'vanilla-apollo', url: vanilla.ready.url, pid: vanilla.pid },
  ];
  const [responseBytes] = await verifyIdenticalResponses(gateways, [{ body }]);
  const fetches: Record<string, number> = {};
  const served = async () => Object.values((await subgraphs.ask<{ counts: Record<string, number> }>({ type: 'counts' })).counts).reduce((a, b) => a + b, 0);
  for (const gateway of gateways) {
    const before = await served();
    await postRaw(gateway.url, body);
    fetches[gateway.label] = (await served()) - before;
  }
  console.log(`${machineLine()}\nresponses identical; ${responseBytes} bytes; subgraph fetches per query: ${Object.entries(fetches).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`${args.connections} connections, ${args.rounds} rounds of ${args.duration} s per gateway after ${args.warmup} s warm-up\n`);

  const figures = await runSideBySide(gateways.map((g) => ({ ...g, requests: [{ body }] })), args);
  console.log(
    JSON.stringify({
      bench: 'federation',
      date: new Date().toISOString(),
      args,
      responseBytes,
      fetchesPerQuery: fetches,
      meshgate: compact(figures.meshgate!),
      meshgateUncoalesced: compact(figures['meshgate-uncoalesced']!),
      vanilla: compact(figures['vanilla-apollo']!),
      ratio: ratios(figures.meshgate!, figures['vanilla-apollo']!),
      ratioUncoalesced: ratios(figures['meshgate-uncoalesced']!, figures['vanilla-apollo']!),
      engineApollo: compact(figures['engine-apollo']!),
      engineMeshgate: compact(figures['engine-meshgate']!),
      ratioEngineApollo: ratios(figures['engine-apollo']!, figures['vanilla-apollo']!),
      ratioEngineMeshgate: ratios(figures['engine-meshgate']!, figures['vanilla-apollo']!),
      ratioEngines: ratios(figures['engine-meshgate']!, figures['engine-apollo']!),
    }),
  );
});
rmSync(dir, { recursive: true, force: true });
