import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKeyring, signingKey } from '../../gateway/keys.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../gateway/transport/request-signer.ts';
import { postGraphQL, startMesh, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * Hostile inputs, each asserting the exact code it gets (STYLE.md §9). Everything goes over
 * real sockets: to the products directly (the backdoor) or through the gateway.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startMesh();
});
afterAll(async () => {
  await mesh?.close();
});

const CUSTOMER_QUERY = { query: '{ customer(id: "C00042") { id name } }' };

function customersUrl(): string {
  return mesh.products.customers!.running.url;
}

describe('direct calls to a product without a valid gateway signature', () => {
  const cases: { name: string; code: string; headers: () => Record<string, string> }[] = [
    { name: 'unsigned', code: 'SIGNATURE_MISSING', headers: () => ({}) },
    {
      name: 'signed with a key the product does not hold (forged)',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(signingKey('an attacker-chosen secret key'), 'customers', CUSTOMER_QUERY) }),
    },
    {
      name: 'a real key id with a made-up MAC',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(productKey(), 'customers', CUSTOMER_QUERY).replace(/sig=.*/, `sig=${'A'.repeat(43)}`) }),
    },
    {
      name: 'a signature made for a different body',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(productKey(), 'customers', { query: '{ __typename }' }) }),
    },
    {
      name: "signed with sales' key",
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(loadSigningKeyring().keysFor('sales')[0]!, 'customers', CUSTOMER_QUERY) }),
    },
    { name: 'malformed header', code: 'SIGNATURE_INVALID', headers: () => ({ [SIGNATURE_HEADER]: 'Bearer let-me-in' }) },
    {
      name: 'validly signed ten minutes ago (expired)',
      code: 'SIGNATURE_EXPIRED',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(productKey(), 'customers', CUSTOMER_QUERY, Date.now() - 10 * 60_000) }),
    },
  ];

  for (const testCase of cases) {
    it(`refuses ${testCase.name} with 401 ${testCase.code}, before any store query`, async () => {
      mesh.clearQueryLogs();
      const result = await postGraphQL(customersUrl(), CUSTOMER_QUERY, testCase.headers());
      expect(result.status).toBe(401);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual([testCase.code]);
      expect(mesh.statements('customers')).toEqual([]);
    });
  }

  it('answers a correctly signed request once, and refuses the same request replayed with 401 SIGNATURE_REPLAYED', async () => {
    const headers = { [SIGNATURE_HEADER]: signatureHeader(productKey(), 'customers', CUSTOMER_QUERY) };
    const first = await postGraphQL(customersUrl(), CUSTOMER_QUERY, headers);
    expect(first.status).toBe(200);
    expect(first.body.data.customer.id).toBe('C00042');
    mesh.clearQueryLogs();
    const replay = await postGraphQL(customersUrl(), CUSTOMER_QUERY, headers);
    expect(replay.status).toBe(401);
    expect(replay.body.errors?.map((e) => e.extensions?.code)).toEqual(['SIGNATURE_REPLAYED']);
    expect(mesh.statements('customers')).toEqual([]);
  });

  it('keeps /health unsigned, for load balancers', async () => {
    const response = await fetch(customersUrl().replace(/graphql$/, 'health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', product: 'customers' });
  });
});

function productKey() {
  // The same development key path `npm start` and the gateway under test use.
  return loadSigningKeyring().keysFor('customers')[0]!;
}
