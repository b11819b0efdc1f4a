import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../schema/protocol/signature.ts';
import { catalogProduct } from '../../subgraphs/catalog/index.ts';
import { createDataProduct, productStorePath, type DataProduct, type DataProductOptions } from '../../subgraphs/kit/create-data-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import { redisAvailable, TEST_REDIS_URL } from '../support/services.ts';

/**
 * Replaying a captured gateway request. The signature binds the body and a timestamp, and
 * the nonce makes it single-use; a product run as replicas (or restarted within the skew
 * window) must refuse the copy on every replica, so the nonces they accepted live in the
 * Redis they share. Each replay gets SIGNATURE_REPLAYED; the first delivery is served.
 */
const available = await redisAvailable();
const key = signingKey('a catalog test key, sixteen+ characters');
const BODY = JSON.stringify({ query: '{ product(sku: "SKU-0001") { sku } }' });

let store: DuckDbStore;
const started: DataProduct[] = [];

beforeAll(async () => {
  store = await DuckDbStore.open(productStorePath(catalogProduct, 'catalog'));
});
afterEach(async () => {
  for (const product of started.splice(0)) await product.close();
});
afterAll(async () => {
  await store?.close();
});

async function replica(options: DataProductOptions): Promise<string> {
  const product = await createDataProduct(catalogProduct, { store, signingKeys: [key], ...options });
  started.push(product);
  return (await product.listen({ port: 0 })).url;
}

async function deliver(url: string, header: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: header }, body: BODY });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

const SERVED = { status: 200, code: undefined };
const REPLAYED = { status: 401, code: 'SIGNATURE_REPLAYED' };

describe.skipIf(!available)('a replayed request across product replicas sharing Redis', () => {
  it('is refused by a second replica', async () => {
    const [first, second] = [await replica({ redisUrl: TEST_REDIS_URL }), await replica({ redisUrl: TEST_REDIS_URL })];
    const header = signatureHeader(key, 'catalog', BODY);
    expect(await deliver(first, header)).toEqual(SERVED);
    expect(await deliver(second, header)).toEqual(REPLAYED);
    expect(await deliver(first, header)).toEqual(REPLAYED);
  });

  it('is refused by the same product after a restart', async () => {
    const before = await replica({ redisUrl: TEST_REDIS_URL });
    const header = signatureHeader(key, 'catalog', BODY);
    expect(await deliver(before, header)).toEqual(SERVED);
    await started.pop()!.close();
    const after = await replica({ redisUrl: TEST_REDIS_URL });
    expect(await deliver(after, header)).toEqual(REPLAYED);
  });

  it('is accepted by a second replica that remembers nonces only in its own memory: why Redis is needed', async () => {
    const [first, second] = [await replica({ redisUrl: '' }), await replica({ redisUrl: '' })];
    const header = signatureHeader(key, 'catalog', BODY);
    expect(await deliver(first, header)).toEqual(SERVED);
    expect(await deliver(second, header)).toEqual(SERVED);
    expect(await deliver(second, header)).toEqual(REPLAYED);
  });
});

describe('Redis unreachable', () => {
  it('keeps the product serving, and still refuses a replay to the same replica', async () => {
    const url = await replica({ redisUrl: 'redis://127.0.0.1:1' });
    const header = signatureHeader(key, 'catalog', BODY);
    expect(await deliver(url, header)).toEqual(SERVED);
    expect(await deliver(url, header)).toEqual(REPLAYED);
  });
});
