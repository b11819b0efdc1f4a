import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { seedMesh } from '../../gateway/cli/seed-command.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/create-gateway.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { DEV_ANALYST_SCOPES } from '../../gateway/access/dev-identity.ts';
import { benchIdentity } from '../lib/bench-identity.ts';
import { machineLine } from '../lib/machine.ts';

/**
 * `node --import tsx bench/defer/first-part.ts [rounds]`
 *
 * What `@defer` buys a dashboard: the demo's slowest aggregate (sales' revenue by category
 * over every order) asked with the catalog's categories, one request at a time, in process.
 * Prints the median time to the whole answer without `@defer`, and with the aggregate
 * deferred: the time to the first part (what the dashboard can draw) and to the last.
 */
const rounds = Number(process.argv[2] ?? 30);
const RANGE = 'from: "2000-01-01", to: "2999-12-31"';
const WHOLE = `{ categories { category productCount } revenueByCategory(${RANGE}) { category orderCount revenueUsd } }`;
const DEFERRED = `{ categories { category productCount } ... @defer(label: "revenue") { revenueByCategory(${RANGE}) { category orderCount revenueUsd } } }`;

await seedMesh(DEMO_MESH, () => undefined);
const products = await Promise.all(DEMO_MESH.map(async (member) => ({ name: member.name, product: await createDataProduct(member.definition) })));
const subgraphUrls = Object.fromEntries(await Promise.all(products.map(async (p) => [p.name, (await p.product.listen({ port: 0 })).url] as const)));
const analyst = await benchIdentity({ scope: DEV_ANALYST_SCOPES, count: 1 });
const token = analyst.tokens[0]!;
const gateway = await startGateway(resolveGatewayConfig({ port: 0, supergraph: { file: 'schema/supergraph.graphql' }, subgraphUrls, auth: analyst.auth, usage: { enabled: false } }), {
  logger: pino({ level: 'silent' }),
});

/** Milliseconds to the first chunk that completes a part (`hasNext` seen, or the whole body), and to the end. */
async function timed(query: string, accept: string): Promise<{ first: number; last: number }> {
  const started = performance.now();
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += decoder.decode(chunk.value, { stream: true });
    if (!first && text.includes('"hasNext":true')) first = performance.now() - started;
  }
  if (text.includes('"errors"')) throw new Error(`unexpected errors: ${text.slice(0, 300)}`);
  const last = performance.now() - started;
  return { first: first || last, last };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  for (let i = 0; i < 5; i++) {
    await timed(WHOLE, 'application/json');
    await timed(DEFERRED, 'multipart/mixed;deferSpec=20220824, application/json');
  }
  const whole: number[] = [];
  const firstPart: number[] = [];
  const lastPart: number[] = [];
  for (let i = 0; i < rounds; i++) {
    whole.push((await timed(WHOLE, 'application/json')).last);
    const deferred = await timed(DEFERRED, 'multipart/mixed;deferSpec=20220824, application/json');
    firstPart.push(deferred.first);
    lastPart.push(deferred.last);
  }
  console.log(machineLine());
  console.log(`rounds: ${rounds}, one request at a time, medians in ms`);
  console.table({
    'whole answer (no @defer)': { ms: +median(whole).toFixed(1) },
    '@defer: first part': { ms: +median(firstPart).toFixed(1), 'x whole': +(median(firstPart) / median(whole)).toFixed(2) },
    '@defer: last part': { ms: +median(lastPart).toFixed(1), 'x whole': +(median(lastPart) / median(whole)).toFixed(2) },
  });
} finally {
  await gateway.close();
  await Promise.all(products.map((p) => p.product.close()));
}
