import { seedMesh } from '../../gateway/cli/seed-command.ts';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * Child process serving the five demo products on their embedded DuckDB stores, apart from
 * the gateways so product CPU is not counted as gateway CPU. Reports its URLs over IPC.
 */
await seedMesh(DEMO_MESH, () => undefined);
const products = await Promise.all(DEMO_MESH.map(async (member) => ({ name: member.name, product: await createDataProduct(member.definition) })));
const running = await Promise.all(products.map(async (p) => ({ name: p.name, running: await p.product.listen({ port: 0 }) })));
process.once('SIGINT', () => void Promise.all(products.map((p) => p.product.close())).then(() => process.exit(0)));
process.send!({ type: 'ready', urls: Object.fromEntries(running.map((r) => [r.name, r.running.url])) });
