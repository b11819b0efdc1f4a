import { cpus, loadavg, totalmem } from 'node:os';

/** The machine a figure was taken on; figures from different machines do not compare. */
export function machineLine(): string {
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

/** The machine's load now: on a shared machine, what a figure was taken beside. */
export function loadLine(): string {
  return `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1, 5, 15 min) on ${cpus().length} cores`;
}
