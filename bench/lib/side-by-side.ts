import type { BenchArgs } from './bench-args.ts';
import { measure, summarize, warmUp, type LoadRequest, type RawRun, type RunFigures } from './load.ts';
import { type ProductMeter, ProductTally } from './product-cost.ts';
import { formatTable } from './table.ts';
import { postRaw } from './verify.ts';

/** One gateway (or one configuration of one) under test. */
export interface Side {
  label: string;
  pid: number;
  url: string;
  requests: readonly LoadRequest[];
}

/** Options of {@link runSideBySide}. */
export interface SideBySideOptions {
  /** The products behind the gateways: read before and after each measured run, and printed per gateway. */
  products?: ProductMeter;
}

/**
 * Warms every side up, then measures them in turn, A B A B, so drift on a shared machine
 * (other jobs, thermal) falls on every side alike. Prints each run as it ends.
 */
export async function runSideBySide(sides: readonly Side[], args: BenchArgs, options: SideBySideOptions = {}): Promise<Record<string, RunFigures>> {
  for (const side of sides) {
    console.log(`warm-up ${side.label} (${args.warmup} s)`);
    await warmUp({ url: side.url, requests: side.requests, connections: args.connections, durationSeconds: args.warmup });
    await drain(side);
  }
  const runs = new Map<string, RawRun[]>(sides.map((s) => [s.label, []]));
  const tally = new ProductTally();
  for (let round = 1; round <= args.rounds; round++) {
    for (const side of sides) {
      const before = await options.products?.read();
      const run = await measure(side.pid, { url: side.url, requests: side.requests, connections: args.connections, durationSeconds: args.duration });
      runs.get(side.label)!.push(run);
      // After the drain: the products' work for requests still in flight when the load stopped is this side's too.
      await drain(side);
      if (before) tally.add(side.label, before, await options.products!.read(), run.latencies.length);
      console.log(`round ${round} ${side.label.padEnd(18)} ${(run.latencies.length / run.durationSeconds).toFixed(0).padStart(6)} req/s`);
    }
  }
  const figures: Record<string, RunFigures> = {};
  const products = options.products ? tally.costs() : {};
  for (const side of sides) figures[side.label] = { ...summarize(runs.get(side.label)!, side.pid), ...(products[side.label] ? { products: products[side.label] } : {}) };
  printTable(figures);
  if (options.products)
    console.log(`${tally.format()}
`);
  return figures;
}

/**
 * autocannon stops sending when its time is up, but the gateway (and the products behind
 * it) still work through what was in flight. One request more, awaited, lets that backlog
 * clear before the next side is timed, so it is not charged for the previous one's.
 */
async function drain(side: Side): Promise<void> {
  await postRaw(side.url, side.requests[0]!.body, side.requests[0]!.headers).catch(() => undefined);
}

function printTable(figures: Record<string, RunFigures>): void {
  const header = ['gateway', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'non-2xx', 'errors', 'CPU ms/req', 'peak RSS MB'];
  const rows = Object.entries(figures).map(([label, f]) => [
    label,
    f.rps.toFixed(1),
    f.p50.toFixed(1),
    f.p95.toFixed(1),
    f.p99.toFixed(1),
    String(f.non2xx),
    String(f.errors),
    f.cpuMsPerRequest.toFixed(2),
    f.peakRssMb.toFixed(0),
  ]);
  console.log(`\n${formatTable(header, rows)}\n`);
}

/** Ratios of `side` to `baseline`: above 1 is better for rps, below 1 for the rest. */
export function ratios(side: RunFigures, baseline: RunFigures): { rps: number; p95: number; cpuMsPerRequest: number; peakRss: number } {
  const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
  return {
    rps: ratio(side.rps, baseline.rps),
    p95: ratio(side.p95, baseline.p95),
    cpuMsPerRequest: ratio(side.cpuMsPerRequest, baseline.cpuMsPerRequest),
    peakRss: ratio(side.peakRssMb, baseline.peakRssMb),
  };
}

/** Rounded figures for the one-line JSON summary, the products' included. */
export function compact(figures: RunFigures): Record<string, unknown> {
  const round = (value: number, digits = 2) => Number(value.toFixed(digits));
  const { products, ...own } = figures;
  return {
    ...Object.fromEntries(Object.entries(own).map(([k, v]) => [k, round(v)])),
    ...(products ? { products: Object.fromEntries(Object.entries(products).map(([name, cost]) => [name, Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round(v, 3)]))])) } : {}),
  };
}

/** One row of the table against a baseline: a side in one request mode. */
export interface ModeRow {
  mode: string;
  label: string;
  figures: RunFigures;
  baseline: RunFigures;
}

/**
 * The table every bench ends with: each side in each request mode beside the baseline
 * (vanilla Apollo Gateway) measured in the same mode of the same run, as ratios.
 */
function printAgainstBaseline(rows: readonly ModeRow[]): void {
  const header = ['mode', 'gateway', 'req/s', '× vanilla', 'p50 ms', 'p95 ms', 'p95 ×', 'CPU ms/req', 'CPU ×', 'peak RSS MB', 'RSS ×'];
  const cells = rows.map(({ mode, label, figures: f, baseline: b }) => {
    const r = ratios(f, b);
    return [
      mode,
      label,
      f.rps.toFixed(1),
      r.rps.toFixed(2),
      f.p50.toFixed(1),
      f.p95.toFixed(1),
      r.p95.toFixed(2),
      f.cpuMsPerRequest.toFixed(2),
      r.cpuMsPerRequest.toFixed(2),
      f.peakRssMb.toFixed(0),
      r.peakRss.toFixed(2),
    ];
  });
  console.log(`\n${formatTable(header, cells, 2)}\n`);
}

/**
 * Runs every side in each request mode in turn (side by side within a mode, as
 * {@link runSideBySide}), then prints every side against `baselineLabel` measured in the
 * same mode. Returns, per mode, what `summarize` makes of its figures (for the JSON line).
 */
export async function runModes<M extends string>(
  sides: readonly Omit<Side, 'requests'>[],
  modes: readonly M[],
  requestsOf: Record<M, readonly LoadRequest[]>,
  args: BenchArgs,
  options: { baselineLabel: string; summarize: (figures: Record<string, RunFigures>, baseline: RunFigures) => unknown } & SideBySideOptions,
): Promise<Record<string, unknown>> {
  const rows: ModeRow[] = [];
  const summary: Record<string, unknown> = {};
  for (const mode of modes) {
    console.log(`== ${mode}`);
    const figures = await runSideBySide(
      sides.map((side) => ({ ...side, requests: requestsOf[mode] })),
      args,
      options,
    );
    const baseline = figures[options.baselineLabel]!;
    for (const side of sides) rows.push({ mode, label: side.label, figures: figures[side.label]!, baseline });
    summary[mode] = options.summarize(figures, baseline);
  }
  printAgainstBaseline(rows);
  return summary;
}
