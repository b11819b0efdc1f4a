import { seedMesh } from '../../gateway/cli/seed-command.ts';
import { ACCEPT_UNSIGNED_REQUESTS, createDataProduct, type DataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * Child process serving the five demo products on their embedded DuckDB stores, apart from
 * the gateways so product CPU is not counted as gateway CPU. Reports its URLs over IPC.
 *
 * Every product is served twice over one store: `urls` check the gateway's signature, as in
 * production, for meshgate; `unsignedUrls` accept unsigned requests, for vanilla Apollo
 * Gateway, which cannot sign. Same resolvers, same store, same data.
 */
await seedMesh(DEMO_MESH, () => undefined);
const products = await Promise.all(
  DEMO_MESH.map(async (member) => {
    const signed = await createDataProduct(member.definition);
    const unsigned = await createDataProduct(member.definition, { store: signed.store, acceptUnsignedRequests: ACCEPT_UNSIGNED_REQUESTS });
    return { name: member.name, signed, unsigned };
  }),
);
const urlsOf = async (pick: (p: (typeof products)[number]) => DataProduct) =>
  Object.fromEntries(await Promise.all(products.map(async (p) => [p.name, (await pick(p).listen({ port: 0 })).url] as const)));
const urls = await urlsOf((p) => p.signed);
const unsignedUrls = await urlsOf((p) => p.unsigned);
// The unsigned set first: it borrows the store the signed set owns and closes.
process.once('SIGINT', () => {
  const closing = products.map(async (p) => {
    await p.unsigned.close();
    await p.signed.close();
  });
  void Promise.all(closing).then(() => process.exit(0));
});
process.send!({ type: 'ready', urls, unsignedUrls });
