import { readBenchArgs } from '../lib/bench-args.ts';
import { startChildService } from '../lib/child-service.ts';
import { machineLine } from '../lib/machine.ts';
import type { LoadRequest } from '../lib/load.ts';
import { compact, ratios, runSideBySide, type Side } from '../lib/side-by-side.ts';
import { postRaw } from '../lib/verify.ts';
import { seedProductStore } from '../../subgraphs/kit/create-data-product.ts';
import { customersProduct } from '../../subgraphs/customers/index.ts';
import { salesProduct } from '../../subgraphs/sales/index.ts';

/**
 * `npm run bench:declared [-- --duration 10 --rounds 2 --warmup 3 --connections 20 --modes customers,sales]`
 *
 * The same product served two ways: as declared (declared.yaml, no resolver code) and as it
 * was written by hand (bench/declared/hand-written-*.ts), each in its own process over the
 * same DuckDB file, A B A B with autocannon. Customers: a filtered page of 50 and an
 * `_entities` batch of 50 keys. Sales: a filtered page of 50 orders with their lines, an
 * `_entities` batch of 50 customers with their latest orders and totals (what the gateway
 * sends for customers and insights), and the revenue aggregates. Prints throughput, latency
 * and CPU side by side, the statements each side ran per request, and the declared /
 * hand-written ratios. Figures only: nothing here asserts on time (the target is declared
 * within 10% of hand-written).
 */
const args = readBenchArgs(process.argv.slice(2), { duration: 10, warmup: 3, rounds: 2, connections: 20 });
const customerKeys = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Customer', id: `C${String(i * 37 + 1).padStart(5, '0')}` }));
const PRODUCTS = {
  customers: {
    definition: customersProduct,
    requests: {
      page: { query: '{ customers(first: 50, filter: { segment: SMB }) { totalCount edges { cursor node { id name segment country signupDate } } } }' },
      entities: { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name segment billingCountry signupDate } } }', variables: { r: customerKeys } },
    },
  },
  sales: {
    definition: salesProduct,
    requests: {
      page: {
        query:
          '{ orders(first: 50, filter: { status: DELIVERED, from: "2026-01-01" }) { totalCount edges { cursor node { id orderDate status currency totalAmount totalUsd customer { id } lines { lineNumber quantity amount product { sku } } } } } }',
      },
      entities: {
        query:
          'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id orders(first: 3) { totalCount edges { cursor node { id orderDate totalUsd } } } orderSummary { orderCount totalSpentUsd firstOrderDate lastOrderDate } } } }',
        variables: { r: customerKeys },
      },
      revenue: {
        query:
          '{ revenueByMonth(from: "2025-07-01", to: "2026-06-30") { month orderCount totalUsd } revenueByCurrency(from: "2025-07-01", to: "2026-06-30") { currency orderCount revenue revenueUsd } revenueByCategory(from: "2026-01-01", to: "2026-03-31") { category orderCount units amountUsd } }',
      },
    },
  },
} as const;

console.log(machineLine());
for (const [name, { definition, requests: shapes }] of Object.entries(PRODUCTS)) {
  if (args.modes && !args.modes.includes(name)) continue;
  await seedProductStore(definition);
  const REQUESTS = Object.fromEntries(Object.entries(shapes).map(([request, body]) => [request, JSON.stringify(body)]));
  const requests: LoadRequest[] = Object.values(REQUESTS).map((body) => ({ body }));
  const children = await Promise.all(
    ['hand-written', 'declared'].map((side) => startChildService<{ type: 'ready'; url: string }>(new URL('./product-process.ts', import.meta.url).pathname, { args: [name, side] })),
  );
  try {
    // The same answers, and the statements each request costs on each side.
    const statements: Record<string, Record<string, number>> = {};
    const answers: Record<string, string[]> = {};
    for (const [index, label] of ['hand-written', 'declared'].entries()) {
      const child = children[index]!;
      statements[label] = {};
      answers[label] = [];
      for (const [request, body] of Object.entries(REQUESTS)) {
        const before = (await child.ask<{ count: number }>({ type: 'statements' })).count;
        const response = await postRaw(child.ready.url, body);
        if (response.json.errors) throw new Error(`${name} ${label} ${request}: ${JSON.stringify(response.json.errors)}`);
        // Cursors are sealed per side (and per list shape); everything else must match.
        answers[label]!.push(response.text.replace(/"cursor":"[^"]*"/g, '"cursor":""'));
        statements[label]![request] = (await child.ask<{ count: number }>({ type: 'statements' })).count - before;
      }
    }
    if (answers['hand-written']!.join() !== answers.declared!.join()) throw new Error(`${name}: the two sides answer differently; figures would compare different work`);
    const sides: Side[] = ['hand-written', 'declared'].map((label, index) => ({ label, pid: children[index]!.pid, url: children[index]!.ready.url, requests }));
    console.log(`\n${name}`);
    const figures = await runSideBySide(sides, args);
    console.log(`${name}: statements per request (hand-written | declared):`);
    for (const request of Object.keys(REQUESTS)) console.log(`  ${request.padEnd(9)} ${statements['hand-written']![request]} | ${statements.declared![request]}`);
    const ratio = ratios(figures.declared!, figures['hand-written']!);
    console.log(`${name}: declared / hand-written: ${ratio.rps}x throughput, ${ratio.p95}x p95, ${ratio.cpuMsPerRequest}x CPU per request`);
    console.log(JSON.stringify({ bench: 'declared', product: name, handWritten: compact(figures['hand-written']!), declared: compact(figures.declared!), statements, ratio }));
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}
