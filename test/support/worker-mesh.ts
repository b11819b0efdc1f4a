import type { GatewayConfigInput } from '../../gateway/config.ts';
import { clearQueryLogs, closeProducts, startGatewayFor, startProducts, type MeshHarness, type MeshOptions, type MeshProducts } from './mesh-harness.ts';

/**
 * The demo mesh for test files that share one worker process (the `shared-worker` project in
 * vitest.config.ts runs them with `isolate: false`): the products start once per worker
 * and every file puts its own real gateway, configured its own way, in front of them.
 *
 * What a file sees is the same as with `startMesh`: the same gateway code (plugins,
 * access, masking), products that verify every request's signature, and query logs
 * cleared when its gateway starts. What it saves is what dominated those files: loading
 * Apollo, the kit and DuckDB into a fresh process, opening five stores and starting five
 * Apollo servers, once per file.
 *
 * Products with options of their own (a misbehaving store, Postgres) are not shared: such
 * files use `startMesh`.
 */
interface SharedProducts {
  products: Promise<MeshProducts>;
  /** Gateways of the worker's test files that still use the products. */
  users: number;
  /** Closes the products once no file has used them for a moment. */
  closing?: NodeJS.Timeout;
}

// On globalThis rather than in a module variable: a worker that runs several files keeps
// the process, and globalThis, whatever it does with the module cache between files.
const KEY = Symbol.for('meshgate.test.worker-products');
const worker = globalThis as typeof globalThis & { [KEY]?: SharedProducts };

/**
 * How long products outlive the last gateway that used them. The worker's next file that
 * wants them may come after several that do not (most files share the worker, few start a
 * mesh), so they wait long enough to be taken over rather than started again; after the
 * last file they are closed, so no server is left behind even if the worker keeps running.
 * The timer holds no run up: vitest ends a worker with a signal, not by waiting for it.
 */
const IDLE_CLOSE_MS = 60_000;

function acquireProducts(): Promise<MeshProducts> {
  let shared = worker[KEY];
  if (!shared) {
    shared = worker[KEY] = { products: startProducts(), users: 0 };
    // A failed start is not kept: the next file tries again and reports its own failure.
    shared.products.catch(() => {
      if (worker[KEY] === shared) delete worker[KEY];
    });
  }
  clearTimeout(shared.closing);
  shared.users++;
  return shared.products;
}

async function releaseProducts(): Promise<void> {
  const shared = worker[KEY];
  if (!shared || --shared.users > 0) return;
  shared.closing = setTimeout(() => {
    delete worker[KEY];
    void shared.products.then(closeProducts);
  }, IDLE_CLOSE_MS);
}

/**
 * A real gateway in front of the worker's shared demo products; `close()` closes the
 * gateway and hands the products back. Same handle as `startMesh`.
 */
export async function startWorkerMesh(config: Partial<GatewayConfigInput> = {}, options: Pick<MeshOptions, 'now' | 'logger'> = {}): Promise<MeshHarness> {
  const products = await acquireProducts();
  try {
    // What another file asked of the products is no business of this one.
    clearQueryLogs(products);
    return await startGatewayFor(products, config, options, releaseProducts);
  } catch (error) {
    await releaseProducts();
    throw error;
  }
}
