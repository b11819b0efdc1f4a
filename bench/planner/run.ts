import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { FEDERATION_QUERY } from '../federation/query.ts';
import { FEDERATION_SUBGRAPHS } from '../federation/subgraphs.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { loadLine, machineLine } from '../lib/machine.ts';
import { formatTable } from '../lib/table.ts';
import { DASHBOARD_QUERIES } from '../mesh/dashboard-queries.ts';
import { ENFORCED_SECURITY_FEATURES } from '../../schema/supergraph/enforced-security-features.ts';
import { syntheticMesh } from '../scale/synthetic-mesh.ts';
import { EDGE_CASE_SUBGRAPHS } from './edge-cases.ts';

/**
 * Apollo's query planner (what the gateway plans with) beside Hive's MIT planner
 * (`@graphql-hive/router-query-planner`, a Rust addon), in one process, on the same
 * supergraphs and operations:
 * 1. the three edge cases of issue 25: what each plan sends the products, and whether that
 *    can answer as the spec says;
 * 2. planning time, cold (build the planner from the SDL, then the first plan) and warm
 *    (one more plan of an operation on a built planner), the two planners alternating
 *    run by run so that a shared machine's load falls on both alike; medians, and Hive's
 *    time as a ratio of Apollo's.
 *
 * Hive's planner is not a dependency of meshgate: `npm i --no-save
 * @graphql-hive/router-query-planner@0.0.38` puts it beside this script for a run. Without it
 * the script says so in one line and exits 0.
 *
 * Flags: `--runs N` warm plans per operation (default 200), `--cold N` cold builds per
 * supergraph (default 9), `--quick` a first look (40 and 3).
 */

interface HivePlanner {
  plan(query: string, operationName: string | null, activeLabels: Set<string>, percentageValue: number): { node?: unknown };
}
type HiveModule = { QueryPlanner: new (supergraphSdl: string) => HivePlanner };

const HIVE_PACKAGE = '@graphql-hive/router-query-planner';
let hive: HiveModule;
try {
  hive = (await import(HIVE_PACKAGE)) as HiveModule;
} catch {
  console.log(`bench:planner needs Hive's planner, which meshgate does not depend on: run \`npm i --no-save ${HIVE_PACKAGE}@0.0.38\` and run it again.`);
  process.exit(0);
}

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const quick = process.argv.includes('--quick');
const WARM_RUNS = flag('runs', quick ? 40 : 200);
const COLD_RUNS = flag('cold', quick ? 3 : 9);

interface Operation {
  name: string;
  query: string;
}
interface Graph {
  name: string;
  sdl: string;
  operations: readonly Operation[];
}

const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-planner-'));
const composed = (name: string, subgraphs: readonly { name: string; sdl: string }[]) =>
  composeSupergraph(
    subgraphs.map((s) => ({ name: s.name, sdl: s.sdl, url: `http://127.0.0.1:1/${s.name}` })),
    join(dir, `${name}.graphql`),
  );

const EDGE_CASES = {
  requiresClash: { name: '@requires argument beside the caller’s', query: '{ product(id: "p1") { firstThreeRatingSum reviews(first: 1) { id } } }' },
  chainOfThree: { name: 'key chain, 3 products', query: '{ items { id price } }' },
  chainOfFour: { name: 'key chain, 4 products', query: '{ items { id name stock } }' },
  interfaceObject: { name: '@interfaceObject, type unresolvable', query: '{ spotlight { __typename id rating } featured { __typename id } }' },
} as const;

const scale = syntheticMesh(200);
const graphs: Graph[] = [
  { name: 'issue 25 edge cases', sdl: composed('edge', EDGE_CASE_SUBGRAPHS), operations: Object.values(EDGE_CASES) },
  { name: 'federation bench', sdl: composed('federation', FEDERATION_SUBGRAPHS), operations: [{ name: 'the benchmark query', query: FEDERATION_QUERY }] },
  { name: 'demo supergraph', sdl: readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'), operations: DASHBOARD_QUERIES },
  { name: '200-product mesh', sdl: composed('scale', scale.subgraphs), operations: scale.queries.slice(0, 5).map((q) => ({ name: q.product, query: q.query })) },
];
rmSync(dir, { recursive: true, force: true });

const SUPPORTED_FEATURES = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, ...ENFORCED_SECURITY_FEATURES]);

/** The two planners behind one call: an operation's text in, a plan out, as a gateway would ask. */
interface Side {
  name: string;
  build(sdl: string): (query: string) => unknown;
}
const SIDES: readonly Side[] = [
  {
    name: 'apollo',
    build(sdl) {
      // As the gateway builds it: the security features meshgate enforces itself are supported.
      const supergraph = Supergraph.build(sdl, { supportedFeatures: SUPPORTED_FEATURES });
      const planner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
      const api = supergraph.apiSchema();
      return (query) => planner.buildQueryPlan(operationFromDocument(api, parse(query)));
    },
  },
  {
    name: 'hive',
    build(sdl) {
      const planner = new hive.QueryPlanner(sdl);
      return (query) => planner.plan(query, null, new Set(), 0);
    },
  },
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Every fetch a plan makes, as (product, operation text), whichever planner's format. */
function fetchesOf(node: unknown, out: { service: string; operation: string }[] = []): { service: string; operation: string }[] {
  if (!node || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  if ((n.kind === 'Fetch' || n.kind === 'BatchFetch') && typeof n.serviceName === 'string') out.push({ service: n.serviceName, operation: String(n.operation) });
  for (const value of Object.values(n)) if (value && typeof value === 'object') fetchesOf(value, out);
  return out;
}
/** The kinds of plan node a plan holds (not of the selections and rewrites inside a fetch): what an executor must read. */
const nodeKinds = (node: unknown, out = new Set<string>()): Set<string> => {
  if (!node || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  if (typeof n.kind === 'string') out.add(n.kind);
  for (const [key, value] of Object.entries(n)) if (value && typeof value === 'object' && !FETCH_INSIDES.has(key)) nodeKinds(value, out);
  return out;
};
const FETCH_INSIDES = new Set(['requires', 'inputRewrites', 'outputRewrites', 'contextRewrites', 'entityBatch', 'operationDocumentNode']);
const squeezed = (text: string) => text.replace(/\s+/g, ' ').replace(/\s*([{}():,])\s*/g, '$1');

/**
 * What a plan must do for the edge case to be answerable as the spec says; a plan that does
 * not cannot be corrected by executing it well.
 */
const VERDICTS: Record<keyof typeof EDGE_CASES, (fetches: { service: string; operation: string }[]) => boolean> = {
  // The caller's reviews(first: 1) reaches the product as asked, beside the required reviews(first: 3).
  requiresClash: (fetches) => fetches.some((f) => f.service === 'shop' && squeezed(f.operation).includes('reviews(first:1)') && squeezed(f.operation).includes('reviews(first:3)')),
  // Each product of the chain is asked, one key into the next.
  chainOfThree: (fetches) => ['registry', 'bridge', 'pricing'].every((s) => fetches.some((f) => f.service === s)),
  chainOfFour: (fetches) => ['registry', 'bridge', 'pricing', 'stock'].every((s) => fetches.some((f) => f.service === s)),
  // The interface's owner is asked for the concrete type: it is what knows the type is unknown.
  interfaceObject: (fetches) => fetches.some((f) => f.service === 'media' && squeezed(f.operation).includes('__typename')),
};

console.log(machineLine());
console.log(loadLine());
console.log(`planners: @apollo/query-planner ${version('@apollo/query-planner')} (Elastic-2.0), ${HIVE_PACKAGE} ${version(HIVE_PACKAGE)} (MIT)\n`);

const edge = graphs[0]!;
const edgeRows = SIDES.map((side) => {
  const plan = side.build(edge.sdl);
  return [side.name, ...Object.entries(EDGE_CASES).map(([key, op]) => (VERDICTS[key as keyof typeof EDGE_CASES](fetchesOf(plan(op.query))) ? 'answerable' : 'WRONG PLAN'))];
});
console.log('1. issue 25: can the plan answer as the spec says?');
console.log(formatTable(['', ...Object.values(EDGE_CASES).map((c) => c.name)], edgeRows));
for (const side of SIDES) {
  const fetches = fetchesOf(side.build(edge.sdl)(EDGE_CASES.requiresClash.query));
  console.log(`   ${side.name} sends shop: ${squeezed(fetches.find((f) => f.service === 'shop')?.operation ?? '(nothing)')}`);
}

// @defer: our executor delivers deferred parts as the plan's Defer nodes say; a plan without one answers whole.
const deferred = '{ items { id ... @defer(label: "price") { price } } }';
console.log(
  `   @defer (${deferred}): ${SIDES.map((side) => `${side.name} ${nodeKinds(side.build(edge.sdl)(deferred)).has('Defer') ? 'plans a Defer node' : 'plans NO Defer node (answers whole)'}`).join(', ')}`,
);

console.log(`\n2. planning time, ms (medians; cold: ${COLD_RUNS} builds + first plan, warm: ${WARM_RUNS} plans per operation; the planners alternate)`);
const rows: string[][] = [];
for (const graph of graphs) {
  const cold: Record<string, { build: number[]; first: number[] }> = Object.fromEntries(SIDES.map((s) => [s.name, { build: [], first: [] }]));
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const side of run % 2 ? [...SIDES].reverse() : SIDES) {
      let start = process.hrtime.bigint();
      const plan = side.build(graph.sdl);
      cold[side.name]!.build.push(ms(start));
      start = process.hrtime.bigint();
      plan(graph.operations[0]!.query);
      cold[side.name]!.first.push(ms(start));
    }
  }
  const planners = SIDES.map((side) => side.build(graph.sdl));
  const warm: number[][] = SIDES.map(() => []);
  const kinds = SIDES.map(() => new Set<string>());
  for (const operation of graph.operations) {
    for (let i = 0; i < SIDES.length; i++) nodeKinds(planners[i]!(operation.query), kinds[i]);
    const perOperation: number[][] = SIDES.map(() => []);
    for (let run = 0; run < WARM_RUNS; run++) {
      for (let i = 0; i < SIDES.length; i++) {
        const at = run % 2 ? SIDES.length - 1 - i : i;
        const start = process.hrtime.bigint();
        planners[at]!(operation.query);
        perOperation[at]!.push(ms(start));
      }
    }
    for (let i = 0; i < SIDES.length; i++) warm[i]!.push(median(perOperation[i]!));
  }
  const figures = SIDES.map((side, i) => ({ build: median(cold[side.name]!.build), first: median(cold[side.name]!.first), warm: warm[i]!.reduce((a, b) => a + b, 0) / warm[i]!.length }));
  const [a, h] = figures as [(typeof figures)[0], (typeof figures)[0]];
  const f = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
  rows.push([graph.name, f(a.build), f(h.build), f(a.first), f(h.first), f(a.warm), f(h.warm), `${(h.warm / a.warm).toFixed(2)}`]);
  console.log(`   ${graph.name}: plan nodes apollo {${[...kinds[0]!].sort().join(', ')}}, hive {${[...kinds[1]!].sort().join(', ')}}`);
}
console.log(formatTable(['supergraph', 'apollo build', 'hive build', 'apollo 1st', 'hive 1st', 'apollo warm', 'hive warm', 'warm h/a'], rows));
console.log('warm: the mean over the operations of each operation’s median plan time');
console.log(loadLine());

function version(name: string): string {
  try {
    const path = import.meta.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(new URL(path), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}
