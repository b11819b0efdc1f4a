import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService, type ChildService } from '../lib/child-service.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { buildMeshgate, startMeshgate, startVanillaApollo, withServices } from '../lib/gateways.ts';
import type { LoadRequest } from '../lib/load.ts';
import { loadLine, machineLine } from '../lib/machine.ts';
import { cpuMs, rssBytes } from '../lib/proc-stats.ts';
import { compact, ratios, runSideBySide } from '../lib/side-by-side.ts';
import { formatTable } from '../lib/table.ts';
import { postRaw, verifyIdenticalResponses } from '../lib/verify.ts';
import { syntheticMesh, type SyntheticQuery } from './synthetic-mesh.ts';

/**
 * `npm run bench:scale [-- --sizes 10,50 --quick --duration 10 --rounds 2 --warmup 3 --connections 50]`
 *
 * How meshgate grows with the mesh, beside vanilla Apollo Gateway in the same run: synthetic
 * meshes of 10, 50, 100 and 200 products (about fifteen types each, cross-product keys,
 * `@requires`; the same from the same seed), every product served from one child process.
 * For each size, each gateway in its own process over the same supergraph:
 * - compose: Apollo's composition of the products' SDLs (both gateways load its output);
 * - start-up: from fork to the first answer of a query, wall time and the process's CPU,
 *   median of {@link STARTS} starts taken A B A B; RSS when that first answer is in;
 * - first plan: a query the gateway has not seen, answered (plans, then executes); cached
 *   plan: the same query again with other variables; wall-time medians over up to
 *   {@link PLANNED} queries, and the gateway process's CPU per query over them all. The
 *   products serve both gateways from one process and keep each subgraph query they parsed:
 *   the gateway that asks second finds the products warm, so the order alternates per query,
 *   and the CPU, which leaves the products out, is the fairer figure;
 * - req/s and CPU per request with no two requests alike (every request its own `$offset`),
 *   A B A B as every bench; RSS after the load, and its peak.
 * `--quick` starts once and loads briefly: what a test can afford, no result. Figures only:
 * nothing here asserts on time. `--profile-dir DIR` adds one start per side, after the timed
 * ones, under `--cpu-prof` (DIR/<products>/<side>/), stopped at its first answer: where each
 * gateway's start-up goes, in like terms.
 */
const SIZES = [10, 50, 100, 200];
const SEED = 28;
const args = readBenchArgs();
const STARTS = args.quick ? 1 : 3;
const PLANNED = args.quick ? 2 : 8;
/** Queries the load sends round-robin, spread over the mesh. */
const LOADED = 16;
const sizes = args.sizes ?? SIZES;
const SIDES = ['meshgate', 'vanilla-apollo'] as const;
type SideLabel = (typeof SIDES)[number];

interface SideFigures {
  startMs: number;
  startCpuMs: number;
  rssStartMb: number;
  firstPlanMs: number;
  /** The gateway process's own CPU for a first plan (planning and executing): the products' time is not in it. */
  firstPlanCpuMs: number;
  cachedPlanMs: number;
  cachedPlanCpuMs: number;
  rps: number;
  /** The gateway process's CPU per request under load: on a shared machine, steadier than req/s. */
  cpuMsPerRequest: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
}

interface SizeFigures {
  products: number;
  supergraphKb: number;
  composeMs: number;
  load: string;
  sides: Record<SideLabel, SideFigures>;
}

const COLUMNS: readonly [keyof SideFigures, string, number][] = [
  ['startMs', 'start-up ms', 0],
  ['startCpuMs', 'start-up CPU ms', 0],
  ['rssStartMb', 'RSS at start MB', 0],
  ['rssAfterLoadMb', 'RSS after load MB', 0],
  ['peakRssMb', 'peak RSS MB', 0],
  ['firstPlanMs', 'first plan ms', 1],
  ['firstPlanCpuMs', 'first plan CPU ms', 1],
  ['cachedPlanMs', 'cached plan ms', 1],
  ['cachedPlanCpuMs', 'cached plan CPU ms', 1],
  ['rps', 'req/s', 0],
  ['cpuMsPerRequest', 'CPU ms/req', 2],
];

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mb = (bytes: number) => bytes / 2 ** 20;
const requestOf = (query: SyntheticQuery, n: number) => JSON.stringify({ query: query.query, variables: query.variables(n) });

async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await body();
  return [result, performance.now() - started];
}

console.log(
  `${machineLine()}\n${loadLine()}\nsizes ${sizes.join(', ')}; ${STARTS} start(s) per gateway; ${args.connections} connections, ${args.rounds} rounds of ${args.duration} s after ${args.warmup} s warm-up\n`,
);
// Built before anything is timed: a start-up must not include tsc.
buildMeshgate();
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-scale-'));
const results: SizeFigures[] = [];
try {
  for (const size of sizes) results.push(await measureSize(size));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
printSummary(results);
console.log(JSON.stringify({ bench: 'scale', date: new Date().toISOString(), seed: SEED, args, results }));

async function measureSize(size: number): Promise<SizeFigures> {
  console.log(`== ${size} products (${loadLine()})`);
  const mesh = syntheticMesh(size, SEED);
  let figures: SizeFigures | undefined;
  await withServices(async (services) => {
    const products = await startChildService<{ type: 'ready'; urls: Record<string, string> }>(new URL('./products-process.ts', import.meta.url).pathname, { args: [String(size), String(SEED)] });
    services.push(products);
    const supergraph = join(dir, `supergraph-${size}.graphql`);
    const [sdl, composeMs] = await timed(async () =>
      composeSupergraph(
        mesh.subgraphs.map((s) => ({ name: s.name, sdl: s.sdl, url: products.ready.urls[s.name]! })),
        supergraph,
      ),
    );
    console.log(`composed ${size} products in ${composeMs.toFixed(0)} ms: supergraph ${(Buffer.byteLength(sdl) / 1024).toFixed(0)} KB`);

    // Not data products: nothing classifies their fields, and production refuses that unless told.
    const start: Record<SideLabel, (profileDir?: string) => Promise<ChildService<{ type: 'ready'; url: string }>>> = {
      meshgate: (profileDir) => startMeshgate({ supergraph: { file: supergraph }, access: { allowUnclassifiedFields: true } }, { profileDir }),
      'vanilla-apollo': (profileDir) => startVanillaApollo(supergraph, { profileDir }),
    };
    const [probe, ...rest] = mesh.queries;
    // Started and answering once; stopped here if the probe fails, as nobody else holds it yet.
    const startAnswered = async (side: SideLabel, profileDir?: string) => {
      const gateway = await start[side](profileDir);
      try {
        await postRaw(gateway.ready.url, requestOf(probe!, 0));
      } catch (error) {
        await gateway.stop();
        throw error;
      }
      return gateway;
    };
    const starts = Object.fromEntries(SIDES.map((side) => [side, [] as { ms: number; cpuMs: number; rssMb: number }[]])) as Record<SideLabel, { ms: number; cpuMs: number; rssMb: number }[]>;
    const running = {} as Record<SideLabel, ChildService<{ type: 'ready'; url: string }>>;
    for (let round = 1; round <= STARTS; round++) {
      for (const side of SIDES) {
        const [gateway, ms] = await timed(() => startAnswered(side));
        starts[side].push({ ms, cpuMs: cpuMs(gateway.pid), rssMb: mb(rssBytes(gateway.pid)) });
        console.log(`start ${round} ${side.padEnd(15)} first answer after ${ms.toFixed(0)} ms (${starts[side].at(-1)!.cpuMs.toFixed(0)} ms CPU)`);
        if (round < STARTS) {
          await gateway.stop();
        } else {
          services.push(gateway);
          running[side] = gateway;
        }
      }
    }
    if (args.profileDir) {
      // Untimed: a profiler slows what it watches.
      for (const side of SIDES) {
        const gateway = await startAnswered(side, join(args.profileDir, String(size), side));
        await gateway.stop();
      }
      console.log(`start-up profiles in ${join(args.profileDir, String(size))}`);
    }
    const gateways = SIDES.map((label) => ({ label, url: running[label].ready.url, pid: running[label].pid }));

    // Queries neither gateway has seen yet: the first answer plans, the second finds the plan cached.
    const plans = Object.fromEntries(SIDES.map((side) => [side, { first: [] as number[], cached: [] as number[], firstCpuMs: 0, cachedCpuMs: 0 }])) as Record<
      SideLabel,
      { first: number[]; cached: number[]; firstCpuMs: number; cachedCpuMs: number }
    >;
    const planned = rest.slice(0, PLANNED);
    for (const [i, query] of planned.entries()) {
      for (const gateway of i % 2 ? [...gateways].reverse() : gateways) {
        const side = plans[gateway.label];
        const before = cpuMs(gateway.pid);
        side.first.push((await timed(() => postRaw(gateway.url, requestOf(query, 1))))[1]);
        const between = cpuMs(gateway.pid);
        side.cached.push((await timed(() => postRaw(gateway.url, requestOf(query, 2))))[1]);
        side.firstCpuMs += between - before;
        side.cachedCpuMs += cpuMs(gateway.pid) - between;
      }
    }

    const loaded = mesh.queries.filter((_, i) => i % Math.max(1, Math.floor(size / LOADED)) === 0).slice(0, LOADED);
    let sequence = 0;
    const requests: LoadRequest[] = loaded.map((query) => ({ body: requestOf(query, 0), vary: () => ({ body: requestOf(query, ++sequence) }) }));
    await verifyIdenticalResponses(gateways, requests);
    console.log(`answers identical for ${requests.length} queries; load with no two requests alike`);
    const load = await runSideBySide(
      gateways.map((g) => ({ ...g, requests })),
      args,
    );

    const sides = Object.fromEntries(
      gateways.map((g) => {
        const s = starts[g.label];
        return [
          g.label,
          {
            startMs: median(s.map((x) => x.ms)),
            startCpuMs: median(s.map((x) => x.cpuMs)),
            rssStartMb: median(s.map((x) => x.rssMb)),
            firstPlanMs: median(plans[g.label].first),
            firstPlanCpuMs: plans[g.label].firstCpuMs / planned.length,
            cachedPlanMs: median(plans[g.label].cached),
            cachedPlanCpuMs: plans[g.label].cachedCpuMs / planned.length,
            rps: load[g.label]!.rps,
            cpuMsPerRequest: load[g.label]!.cpuMsPerRequest,
            rssAfterLoadMb: mb(rssBytes(g.pid)),
            peakRssMb: load[g.label]!.peakRssMb,
          },
        ];
      }),
    ) as Record<SideLabel, SideFigures>;
    figures = { products: size, supergraphKb: Buffer.byteLength(sdl) / 1024, composeMs, load: loadLine(), sides };
    console.log(JSON.stringify({ products: size, meshgate: compact(load.meshgate!), vanilla: compact(load['vanilla-apollo']!), ratio: ratios(load.meshgate!, load['vanilla-apollo']!) }));
  });
  return figures!;
}

/**
 * Per size, each figure of meshgate (m) and vanilla (v) and their ratio; then one line per
 * size of ratios alone. Below 1 is better, but for req/s.
 */
function printSummary(rows: readonly SizeFigures[]): void {
  const ratio = (row: SizeFigures, key: keyof SideFigures) => (row.sides.meshgate[key] / row.sides['vanilla-apollo'][key]).toFixed(2);
  for (const row of rows) {
    const cells = COLUMNS.map(([key, name, digits]) => [name, row.sides.meshgate[key].toFixed(digits), row.sides['vanilla-apollo'][key].toFixed(digits), ratio(row, key)]);
    console.log(
      `\n${row.products} products: supergraph ${row.supergraphKb.toFixed(0)} KB, composed in ${row.composeMs.toFixed(0)} ms; ${row.load} at its end\n${formatTable(['', 'meshgate', 'vanilla', 'm × v'], cells)}`,
    );
  }
  const header = ['products', 'supergraph KB', 'compose ms', ...COLUMNS.map(([, name]) => `${name.replace(/ (ms|MB)$/, '')} ×`)];
  const cells = rows.map((row) => [String(row.products), row.supergraphKb.toFixed(0), row.composeMs.toFixed(0), ...COLUMNS.map(([key]) => ratio(row, key))]);
  console.log(`\nmeshgate × vanilla Apollo Gateway, side by side per size\n${formatTable(header, cells, 0)}\n${loadLine()}\n`);
}
