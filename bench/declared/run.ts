import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService } from '../lib/child-service.ts';
import { machineLine } from '../lib/machine.ts';
import type { LoadRequest } from '../lib/load.ts';
import { compact, ratios, runSideBySide, type Side } from '../lib/side-by-side.ts';
import { postRaw } from '../lib/verify.ts';
import { seedProductStore } from '../../subgraphs/kit/create-data-product.ts';
import { customersProduct } from '../../subgraphs/customers/index.ts';

/**
 * `npm run bench:declared [-- --duration 10 --rounds 2 --warmup 3 --connections 20]`
 *
 * The same product served two ways: customers as declared (declared.yaml, no resolver code)
 * and as it was written by hand (bench/declared/hand-written-customers.ts), each in its own
 * process over the same DuckDB file, A B A B with autocannon. Two requests alternate: a
 * filtered page of 50 and an `_entities` batch of 50 keys (what the gateway sends when
 * another product references customers). Prints throughput, latency and CPU side by side,
 * the statements each side ran per request, and the declared/hand-written ratios. Figures
 * only: nothing here asserts on time (the target is declared within 10% of hand-written).
 */
const args = readBenchArgs(process.argv.slice(2), { duration: 10, warmup: 3, rounds: 2, connections: 20 });
await seedProductStore(customersProduct);
const keys = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Customer', id: `C${String(i * 37 + 1).padStart(5, '0')}` }));
const REQUESTS: Record<string, string> = {
  page: JSON.stringify({ query: '{ customers(first: 50, filter: { segment: SMB }) { totalCount edges { cursor node { id name segment country signupDate } } } }' }),
  entities: JSON.stringify({ query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name segment billingCountry signupDate } } }', variables: { r: keys } }),
};
const requests: LoadRequest[] = Object.values(REQUESTS).map((body) => ({ body }));

const children = await Promise.all(
  ['hand-written', 'declared'].map((side) => startChildService<{ type: 'ready'; url: string }>(new URL('./product-process.ts', import.meta.url).pathname, { args: [side] })),
);
try {
  // The same answers, and the statements each request costs on each side.
  const statements: Record<string, Record<string, number>> = {};
  const answers: Record<string, string[]> = {};
  for (const [index, label] of ['hand-written', 'declared'].entries()) {
    const child = children[index]!;
    statements[label] = {};
    answers[label] = [];
    for (const [name, body] of Object.entries(REQUESTS)) {
      const before = (await child.ask<{ count: number }>({ type: 'statements' })).count;
      const response = await postRaw(child.ready.url, body);
      if (response.json.errors) throw new Error(`${label} ${name}: ${JSON.stringify(response.json.errors)}`);
      answers[label]!.push(response.text.replace(/"cursor":"[^"]*"/g, '"cursor":""'));
      statements[label]![name] = (await child.ask<{ count: number }>({ type: 'statements' })).count - before;
    }
  }
  if (answers['hand-written']!.join() !== answers.declared!.join()) throw new Error('the two sides answer differently; figures would compare different work');
  const sides: Side[] = ['hand-written', 'declared'].map((label, index) => ({ label, pid: children[index]!.pid, url: children[index]!.ready.url, requests }));
  console.log(machineLine());
  const figures = await runSideBySide(sides, args);
  console.log('statements per request (hand-written | declared):');
  for (const name of Object.keys(REQUESTS)) console.log(`  ${name.padEnd(9)} ${statements['hand-written']![name]} | ${statements.declared![name]}`);
  const ratio = ratios(figures.declared!, figures['hand-written']!);
  console.log(`declared / hand-written: ${ratio.rps}x throughput, ${ratio.p95}x p95, ${ratio.cpuMsPerRequest}x CPU per request`);
  console.log(JSON.stringify({ bench: 'declared', handWritten: compact(figures['hand-written']!), declared: compact(figures.declared!), statements, ratio }));
} finally {
  await Promise.all(children.map((child) => child.stop()));
}
