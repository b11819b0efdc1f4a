import type { CountersReply } from '../lib/product-cost.ts';
import { serveSubgraph } from '../lib/serve-subgraph.ts';
import { FEDERATION_SUBGRAPHS } from './subgraphs.ts';

/**
 * Child process serving benchmark subgraphs (those named as arguments, else all four), apart
 * from the gateways so their CPU is not counted as a gateway's; one subgraph a process lets
 * /proc charge each its own. Reports its URLs over IPC; answers `{ type: 'counters' }` with
 * the requests each subgraph served, so the runner can count fetches per query and per
 * measured run.
 */
const names = process.argv.slice(2);
const served = names.length ? names.map((name) => FEDERATION_SUBGRAPHS.find((s) => s.name === name) ?? fail(name)) : FEDERATION_SUBGRAPHS;
function fail(name: string): never {
  throw new TypeError(`no benchmark subgraph is named ${JSON.stringify(name)}`);
}
const running = await Promise.all(served.map((subgraph) => serveSubgraph(subgraph)));
process.on('message', (message: { type: string }) => {
  if (message.type !== 'counters') return;
  const reply: CountersReply = { type: 'counters', counters: Object.fromEntries(running.map((r) => [r.name, { fetches: r.requests, entityFetches: r.entityRequests }])) };
  process.send!(reply);
});
process.send!({ type: 'ready', urls: Object.fromEntries(running.map((r) => [r.name, r.url])) });
