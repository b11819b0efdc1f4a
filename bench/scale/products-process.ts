import { serveSubgraph } from '../lib/serve-subgraph.ts';
import { syntheticMesh } from './synthetic-mesh.ts';

/**
 * Child process serving every product of a synthetic mesh (`<products> <seed>`), each on a
 * port of its own, apart from the gateways so the products' CPU and memory are not counted as
 * a gateway's. Reports its URLs over IPC.
 */
const [products, seed] = process.argv.slice(2).map(Number);
const running = await Promise.all(syntheticMesh(products!, seed).subgraphs.map((subgraph) => serveSubgraph(subgraph)));
process.once('SIGINT', () => process.exit(0));
process.send!({ type: 'ready', urls: Object.fromEntries(running.map((r) => [r.name, r.url])) });
