import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogProduct } from '../../subgraphs/catalog/index.ts';
import { ACCEPT_UNSIGNED_REQUESTS, createDataProduct, productStorePath, type DataProductOptions } from '../../subgraphs/kit/create-data-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { REPO_ROOT } from '../../schema/contracts/mesh.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/**
 * `acceptUnsignedRequests` lets the mesh benchmark put vanilla Apollo Gateway (which cannot
 * sign) in front of the demo products. No backdoors must survive it: the default
 * refuses unsigned calls, and nothing a deployment controls (config, environment, JSON)
 * can produce the option's value.
 */
const QUERY = { query: '{ product(sku: "SKU-0001") { sku } }' };

let store: DuckDbStore;
beforeAll(async () => {
  store = await DuckDbStore.open(productStorePath(catalogProduct, 'catalog'));
});
afterAll(async () => {
  await store?.close();
});

/** Serves the catalog with `options` on port 0 and POSTs one unsigned query to it. */
async function askUnsigned(options: DataProductOptions): Promise<{ status: number; codes: unknown[] | undefined; data: unknown }> {
  const product = await createDataProduct(catalogProduct, { store, ...options });
  try {
    const running = await product.listen({ port: 0 });
    const result = await postGraphQL(running.url, QUERY);
    return { status: result.status, codes: result.body.errors?.map((e) => e.extensions?.code), data: result.body.data };
  } finally {
    await product.close();
  }
}

const REFUSED = { status: 401, codes: ['SIGNATURE_MISSING'], data: undefined };

describe('a data product asked without the gateway signature', () => {
  it('refuses by default with 401 SIGNATURE_MISSING', async () => {
    expect(await askUnsigned({})).toEqual(REFUSED);
  });

  it('still refuses when the option comes from parsed config or JSON instead of the code-level symbol', async () => {
    for (const json of [
      '{"acceptUnsignedRequests": true}',
      '{"acceptUnsignedRequests": "ACCEPT_UNSIGNED_REQUESTS"}',
      '{"acceptUnsignedRequests": "meshgate: accept unsigned requests (benchmark only)"}',
    ]) {
      expect(await askUnsigned(JSON.parse(json) as DataProductOptions), json).toEqual(REFUSED);
    }
  });

  it('still refuses with environment variables that look like a switch', async () => {
    const names = ['MESHGATE_ACCEPT_UNSIGNED_REQUESTS', 'ACCEPT_UNSIGNED_REQUESTS', 'MESHGATE_ACCEPT_UNSIGNED', 'MESHGATE_VERIFY_SIGNATURES', 'MESHGATE_SIGNATURES'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    try {
      for (const name of names) process.env[name] = name.includes('VERIFY') || name.endsWith('SIGNATURES') ? 'false' : 'true';
      expect(await askUnsigned({})).toEqual(REFUSED);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('answers only with the symbol, which production code never passes', async () => {
    expect(await askUnsigned({ acceptUnsignedRequests: ACCEPT_UNSIGNED_REQUESTS })).toEqual({ status: 200, codes: undefined, data: { product: { sku: 'SKU-0001' } } });
    // The kit defines it; everything a deployment runs (CLI, gateway, products, contracts) must not use it.
    const users = ['bin', 'gateway', 'schema', 'subgraphs']
      .flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)))
      .filter((file) => /ACCEPT_UNSIGNED_REQUESTS|acceptUnsignedRequests/.test(readFileSync(file, 'utf8')));
    expect(users.map((file) => relative(REPO_ROOT, file))).toEqual(['subgraphs/kit/create-data-product.ts']);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}
