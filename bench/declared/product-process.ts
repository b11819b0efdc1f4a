import { join } from 'node:path';
import { ACCEPT_UNSIGNED_REQUESTS, createDataProduct, type DataProductDefinition } from '../../subgraphs/kit/create-data-product.ts';
import { customersProduct } from '../../subgraphs/customers/index.ts';
import { createLoaders, resolvers } from './hand-written-customers.ts';

/**
 * Child process serving the customers product one way (`declared` or `hand-written`, the
 * first argument) over the same seeded DuckDB file, so /proc charges its CPU to that side
 * alone. Answers `{ type: 'statements' }` with how many statements its store has run.
 */
const side = process.argv[2];
const handWritten: DataProductDefinition<ReturnType<typeof createLoaders>> = { dir: customersProduct.dir, resolvers, createLoaders, seed: customersProduct.seed };
const definition = side === 'hand-written' ? handWritten : customersProduct;
const product = await createDataProduct(definition as DataProductDefinition<unknown>, {
  acceptUnsignedRequests: ACCEPT_UNSIGNED_REQUESTS,
  storePath: join(customersProduct.dir, 'store', 'customers.duckdb'),
});
const running = await product.listen({ port: 0 });
process.on('message', (message: { type: string }) => {
  if (message.type === 'statements') process.send!({ type: 'statements', count: product.store.log.statements.length });
});
process.send!({ type: 'ready', url: running.url });
