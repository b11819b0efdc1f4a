import { serveSubgraph } from '../lib/serve-subgraph.ts';
import { FEDERATION_SUBGRAPHS } from './subgraphs.ts';

/**
 * Child process serving the four benchmark subgraphs, apart from the gateways so their CPU
 * is not counted as a gateway's. Reports its URLs over IPC; answers `{ type: 'counts' }`
 * with the requests each subgraph served, so the runner can count fetches per query.
 */
const running = await Promise.all(FEDERATION_SUBGRAPHS.map((subgraph) => serveSubgraph(subgraph)));
process.on('message', (message: { type: string }) => {
  if (message.type === 'counts') process.send!({ type: 'counts', counts: Object.fromEntries(running.map((r) => [r.name, r.requests])) });
});
process.send!({ type: 'ready', urls: Object.fromEntries(running.map((r) => [r.name, r.url])) });
