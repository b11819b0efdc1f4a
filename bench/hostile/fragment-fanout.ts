/**
 * What refusing a fragment fan-out costs: for n = 26..40 fragments, each spreading the next
 * twice, the time the gateway's document limits take to refuse the text (token count,
 * parse, shape, expanded-size count: everything before validation) and the memory it
 * leaves. No assertions: a script that prints.
 *
 *   node --expose-gc --import tsx bench/hostile/fragment-fanout.ts
 */
import { performance } from 'node:perf_hooks';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { checkDocumentLimits } from '../../gateway/operation/document-limits.ts';
import { MeshError } from '../../schema/protocol/error-codes.ts';
import { fragmentFanOutDocument } from './fragment-fanout-document.ts';

const { limits } = resolveGatewayConfig({});
const ROUNDS = 200;
const gc = (globalThis as { gc?: () => void }).gc;

console.log(`limits.maxSelections = ${limits.maxSelections}; ${ROUNDS} refusals per n`);
// CPU time beside wall time: on a shared machine the wall clock also counts other processes.
console.log('n   bytes  code                        mean ms  max ms  cpu ms  heap MB after');
for (const n of [26, 28, 30, 32, 36, 40]) {
  const text = fragmentFanOutDocument(n);
  let code = 'accepted';
  let total = 0;
  let slowest = 0;
  const cpuBefore = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++) {
    // A distinct text each round: the limits remember accepted texts, and an attacker varies them.
    const variant = `${text}\n# ${round}`;
    const started = performance.now();
    try {
      checkDocumentLimits(variant, limits);
    } catch (error) {
      code = error instanceof MeshError ? error.code : String(error);
    }
    const elapsed = performance.now() - started;
    total += elapsed;
    slowest = Math.max(slowest, elapsed);
  }
  const cpu = process.cpuUsage(cpuBefore);
  gc?.();
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(
    `${String(n).padEnd(3)} ${String(text.length).padEnd(6)} ${code.padEnd(27)} ${(total / ROUNDS).toFixed(3).padStart(7)} ${slowest.toFixed(2).padStart(7)} ${((cpu.user + cpu.system) / 1000 / ROUNDS).toFixed(3).padStart(7)} ${heapMb.toFixed(1).padStart(14)}`,
  );
}
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
