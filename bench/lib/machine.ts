import { cpus, totalmem } from 'node:os';

/** The machine a figure was taken on; figures from different machines do not compare. */
export function machineLine(): string {
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}
