import { ACCEPT_UNSIGNED_REQUESTS, createDataProduct, productStorePath, type DataProductDefinition } from '../../subgraphs/kit/create-data-product.ts';
import { customersProduct } from '../../subgraphs/customers/index.ts';
import { salesProduct } from '../../subgraphs/sales/index.ts';
import * as customers from './hand-written-customers.ts';
import * as sales from './hand-written-sales.ts';

/**
 * Child process serving one product (`customers` or `sales`, the first argument) one way
 * (`declared` or `hand-written`, the second) over the product's seeded DuckDB file, so /proc
 * charges its CPU to that side alone. Answers `{ type: 'statements' }` with how many
 * statements its store has run.
 */
const [name, side] = process.argv.slice(2) as ['customers' | 'sales', string];
const { declared, handWritten } = {
  customers: { declared: customersProduct, handWritten: customers },
  sales: { declared: salesProduct, handWritten: sales },
}[name];
const definition = side === 'hand-written' ? { dir: declared.dir, resolvers: handWritten.resolvers, createLoaders: handWritten.createLoaders, seed: declared.seed } : declared;
const product = await createDataProduct(definition as DataProductDefinition<unknown>, {
  acceptUnsignedRequests: ACCEPT_UNSIGNED_REQUESTS,
  storePath: productStorePath(declared, name),
});
const running = await product.listen({ port: 0 });
process.on('message', (message: { type: string }) => {
  if (message.type === 'statements') process.send!({ type: 'statements', count: product.store.log.statements.length });
});
process.send!({ type: 'ready', url: running.url });
