import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService, type ChildService } from '../lib/child-service.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { postRaw, verifyIdenticalResponses } from '../lib/verify.ts';
import { compact, ratios, runSideBySide } from '../lib/side-by-side.ts';
import { machineLine } from '../lib/machine.ts';
import { FEDERATION_QUERY } from './query.ts';
import { FEDERATION_SUBGRAPHS } from './subgraphs.ts';

/**
 * `npm run bench [-- --duration 30 --rounds 2 --warmup 5 --connections 50 --profile-dir DIR]`
 *
 * The public federation benchmark: four subgraphs, one nested query, meshgate and a vanilla
 * Apollo Gateway each in its own process, measured A B A B with autocannon. Prints figures
 * per gateway and ends with one JSON line. Figures only: nothing here asserts on time.
 */
const args = readBenchArgs();
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
const services: ChildService<any>[] = [];
try {
  const subgraphs = await startChildService<{ type: 'ready'; urls: Record<string, string> }>(new URL('./subgraphs-process.ts', import.meta.url).pathname);
  services.push(subgraphs);
  const supergraph = join(dir, 'supergraph.graphql');
  composeSupergraph(FEDERATION_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: subgraphs.ready.urls[s.name]! })), supergraph);

  const meshgateConfig = { port: 0, mode: 'production', supergraph: { file: supergraph } };
  const meshgate = await startChildService<{ type: 'ready'; url: string }>(new URL('../gateways/meshgate-gateway.ts', import.meta.url).pathname, {
    env: { MESHGATE_BENCH_CONFIG: JSON.stringify(meshgateConfig), MESHGATE_LOG_LEVEL: 'warn' },
    execArgv: args.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`] : [],
  });
  services.push(meshgate);
  const vanilla = await startChildService<{ type: 'ready'; url: string }>(new URL('../gateways/vanilla-apollo-gateway.mjs', import.meta.url).pathname, { args: [supergraph] });
  services.push(vanilla);

  const body = JSON.stringify({ query: FEDERATION_QUERY });
  const gateways = [
    { label: 'meshgate', url: meshgate.ready.url, pid: meshgate.pid },
    { label: 'vanilla-apollo', url: vanilla.ready.url, pid: vanilla.pid },
  ];
  const [responseBytes] = await verifyIdenticalResponses(gateways, [{ body }]);
  const fetches: Record<string, number> = {};
  for (const gateway of gateways) {
    const sum = async () => Object.values((await subgraphs.ask<{ counts: Record<string, number> }>({ type: 'counts' })).counts).reduce((a, b) => a + b, 0);
    const before = await sum();
    await postRaw(gateway.url, body);
    fetches[gateway.label] = (await sum()) - before;
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
      vanilla: compact(figures['vanilla-apollo']!),
      ratio: ratios(figures.meshgate!, figures['vanilla-apollo']!),
    }),
  );
} finally {
  for (const service of services.reverse()) await service.stop();
  rmSync(dir, { recursive: true, force: true });
}
