import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKeyring, signingKey } from '../../schema/protocol/signing-keys.ts';
import { catalogProduct } from '../../subgraphs/catalog/index.ts';
import { productStorePath } from '../../subgraphs/kit/create-data-product.ts';
import { DuckDbStore } from '../../subgraphs/kit/duckdb-store.ts';
import type { DataStore, StoreValue } from '../../subgraphs/kit/store.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import { postGraphQL, startMesh, TEST_AUDIENCE, TEST_ISSUER, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Hostile inputs, each asserting the exact code it gets. Everything goes over
 * real sockets: to the products directly (the backdoor) or through the gateway.
 */
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startWorkerMesh();
});
afterAll(async () => {
  await mesh?.close();
});

const CUSTOMER_QUERY = JSON.stringify({ query: '{ customer(id: "C00042") { id name } }' });

function customersUrl(): string {
  return mesh.products.customers!.running.url;
}

function signed(body: string, timestamp?: number): Record<string, string> {
  return { [SIGNATURE_HEADER]: signatureHeader(productKey(), 'customers', body, timestamp) };
}

describe('direct calls to a product without a valid gateway signature', () => {
  // The signature covers the body's bytes (v2): each case posts `body` (CUSTOMER_QUERY unless given).
  const cases: { name: string; code: string; headers: () => Record<string, string>; body?: string }[] = [
    { name: 'unsigned', code: 'SIGNATURE_MISSING', headers: () => ({}) },
    {
      name: 'signed with a key the product does not hold (forged)',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(signingKey('an attacker-chosen secret key'), 'customers', CUSTOMER_QUERY) }),
    },
    {
      name: 'a real key id with a made-up MAC',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signed(CUSTOMER_QUERY)[SIGNATURE_HEADER]!.replace(/sig=.*/, `sig=${'A'.repeat(43)}`) }),
    },
    { name: 'a signature made for a different body', code: 'SIGNATURE_INVALID', headers: () => signed(JSON.stringify({ query: '{ __typename }' })) },
    {
      name: 'a signed body with its bytes changed but its JSON value the same',
      code: 'SIGNATURE_INVALID',
      headers: () => signed(CUSTOMER_QUERY),
      body: CUSTOMER_QUERY.replace('{"query":', '{ "query": '),
    },
    {
      name: "signed with sales' key",
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signatureHeader(loadSigningKeyring().keysFor('sales')[0]!, 'customers', CUSTOMER_QUERY) }),
    },
    { name: 'malformed header', code: 'SIGNATURE_INVALID', headers: () => ({ [SIGNATURE_HEADER]: 'Bearer let-me-in' }) },
    {
      name: 'a signature of the retired v1 protocol',
      code: 'SIGNATURE_INVALID',
      headers: () => ({ [SIGNATURE_HEADER]: signed(CUSTOMER_QUERY)[SIGNATURE_HEADER]!.replace(/^v2;/, 'v1;') }),
    },
    { name: 'validly signed ten minutes ago (expired)', code: 'SIGNATURE_EXPIRED', headers: () => signed(CUSTOMER_QUERY, Date.now() - 10 * 60_000) },
  ];

  for (const testCase of cases) {
    it(`refuses ${testCase.name} with 401 ${testCase.code}, before any store query`, async () => {
      mesh.clearQueryLogs();
      const result = await postGraphQL(customersUrl(), testCase.body ?? CUSTOMER_QUERY, testCase.headers());
      expect(result.status).toBe(401);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual([testCase.code]);
      expect(mesh.statements('customers')).toEqual([]);
    });
  }

  it('answers a correctly signed request once, and refuses the same request replayed with 401 SIGNATURE_REPLAYED', async () => {
    const headers = signed(CUSTOMER_QUERY);
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

describe('bearer tokens the gateway must not accept', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: { name: string; message: string; authorization: () => Promise<string> }[] = [
    {
      name: 'a token signed by an unknown key',
      message: 'The bearer token is not signed by a trusted key',
      authorization: async () => {
        const { privateKey } = await generateKeyPair('ES256');
        const token = await new SignJWT({ scope: 'pii:read', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now() + 60 }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
        return `Bearer ${token}`;
      },
    },
    { name: 'an expired token', message: 'The bearer token has expired', authorization: async () => `Bearer ${await mesh.token({ exp: now() - 120 })}` },
    { name: 'a token for another audience', message: 'The bearer token\'s "aud" claim is not accepted', authorization: async () => `Bearer ${await mesh.token({ aud: 'another-api' })}` },
    { name: 'a token from another issuer', message: 'The bearer token\'s "iss" claim is not accepted', authorization: async () => `Bearer ${await mesh.token({ iss: 'https://evil.example/' })}` },
    {
      name: 'an unsigned token (alg: none)',
      message: "The bearer token's algorithm is not accepted",
      authorization: async () => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `Bearer ${encode({ alg: 'none' })}.${encode({ scope: 'pii:read', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now() + 60 })}.`;
      },
    },
    {
      name: 'a token with its scopes edited after signing',
      message: 'The bearer token is not signed by a trusted key',
      authorization: async () => {
        const [header, , signature] = (await mesh.token({ scope: '' })).split('.');
        const payload = Buffer.from(JSON.stringify({ scope: 'pii:read finance:read', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now() + 60 })).toString('base64url');
        return `Bearer ${header}.${payload}.${signature}`;
      },
    },
    { name: 'a Basic credential', message: 'The Authorization header must be "Bearer <token>"', authorization: async () => 'Basic YWRtaW46YWRtaW4=' },
  ];
  for (const testCase of cases) {
    it(`refuses ${testCase.name} with 401 UNAUTHENTICATED, and asks no product`, async () => {
      mesh.clearQueryLogs();
      const result = await mesh.query('{ customer(id: "C00042") { id name } }', undefined, { authorization: await testCase.authorization() });
      expect(result.status).toBe(401);
      expect(result.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['UNAUTHENTICATED', testCase.message]]);
      expect(mesh.fetches('customers')).toEqual([]);
    });
  }
});

describe('a token the gateway has already verified', () => {
  it('is refused once it expires, although it was accepted (and remembered) a moment before', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const authorization = `Bearer ${await mesh.token({ scope: 'pii:read', exp: expiresAt })}`;
    for (let i = 0; i < 2; i++) expect((await mesh.query('{ customer(id: "C00042") { id name } }', undefined, { authorization })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const result = await mesh.query('{ customer(id: "C00042") { id name } }', undefined, { authorization });
    expect(result.status).toBe(401);
    expect(result.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['UNAUTHENTICATED', 'The bearer token has expired']]);
  });

  it('does not make a tampered copy of it acceptable', async () => {
    const token = await mesh.token({ scope: '' });
    expect((await mesh.query('{ customer(id: "C00042") { id } }', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ scope: 'pii:read', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const result = await mesh.query('{ customer(id: "C00042") { id name } }', undefined, { authorization: `Bearer ${header}.${payload}.${signature}` });
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('nothing hidden reaches a client', () => {
  it('refuses _entities through the gateway: it is not in the API schema (GRAPHQL_VALIDATION_FAILED), and no product is called', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query('{ _entities(representations: [{ __typename: "Customer", id: "C00042" }]) { ... on Customer { leadScore } } }');
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.body.errors?.[0]?.message).toBe('Cannot query field "_entities" on type "Query".');
    expect(Object.keys(mesh.products).flatMap((name) => mesh.statements(name))).toEqual([]);
  });

  it('refuses _service (the SDL with every @inaccessible field) through the gateway', async () => {
    const result = await mesh.query('{ _service { sdl } }');
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.body.errors?.[0]?.message).toBe('Cannot query field "_service" on type "Query".');
  });

  it('refuses an @inaccessible field by name', async () => {
    const result = await mesh.query('{ customer(id: "C00042") { id leadScore } }');
    expect(result.status).toBe(400);
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('shows no @inaccessible field, no federation internals and no join__/link__ type in introspection', async () => {
    const result = await mesh.query('{ __schema { queryType { fields { name } } types { name fields(includeDeprecated: true) { name } } } }');
    expect(result.body.errors).toBeUndefined();
    const types: { name: string; fields: { name: string }[] | null }[] = result.body.data.__schema.types;
    const coordinates = types.flatMap((type) => (type.fields ?? []).map((field) => `${type.name}.${field.name}`));
    expect(coordinates).toContain('Customer.name'); // the query did list fields
    for (const hidden of ['Customer.leadScore', 'Product.unitCost', 'MonthlyForecast.modelRunId', 'Order.marginUsd', 'Query._entities', 'Query._service']) {
      expect(coordinates).not.toContain(hidden);
    }
    expect(types.map((type) => type.name).filter((name) => /^(_Any|_Entity|_Service|join__|link__|inaccessible)/.test(name))).toEqual([]);
  });

  it('refuses SQL in a date argument before it reaches the store: INVALID_ARGUMENT, the product and the request id, nothing else', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query(`{ customers(first: 1, filter: { signedUpFrom: "'; DROP TABLE customers; --" }) { totalCount } }`);
    expect(result.body.errors).toHaveLength(1);
    const error = result.body.errors![0]!;
    expect(error.extensions).toEqual({ code: 'INVALID_ARGUMENT', product: 'customers', requestId: result.headers.get('x-request-id') });
    expect(error.path).toEqual(['customers']);
    expect(error.message).toBe('"signedUpFrom" must be a date as YYYY-MM-DD');
    expect(mesh.statements('customers')).toEqual([]);
    expect(JSON.stringify(result.body)).not.toMatch(/DROP|signup_date|Conversion|DuckDB|127\.0\.0\.1|stacktrace/i);
  });
});

describe('preview fields asked for without the opt-in', () => {
  for (const [name, query, headers] of [
    ['behind an alias', '{ product(sku: "SKU-0001") { score: sustainabilityScore } }', {}],
    ['inside a named fragment', '{ product(sku: "SKU-0001") { ...P } } fragment P on Product { sustainabilityScore }', {}],
    ['with the opt-in header set to something other than true', '{ product(sku: "SKU-0001") { sustainabilityScore } }', { 'x-meshgate-preview': 'yes please' }],
  ] as const) {
    it(`refuses one ${name} with 400 PREVIEW_FIELD_NOT_ENABLED`, async () => {
      mesh.clearQueryLogs();
      const result = await mesh.query(query, undefined, headers);
      expect(result.status).toBe(400);
      expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['PREVIEW_FIELD_NOT_ENABLED']);
      expect(mesh.fetches('catalog')).toEqual([]);
    });
  }
});

describe('a hardened gateway in front of a leaky product and an unreachable one', () => {
  let hardened: MeshHarness;
  beforeAll(async () => {
    hardened = await startMesh(
      { introspection: false, subgraphUrls: { forecasts: 'http://127.0.0.1:9/graphql' } },
      // A catalog that reports raw store errors (development setting) and whose store query fails.
      { products: { catalog: async () => ({ store: new WrongTableStore(await DuckDbStore.open(productStorePath(catalogProduct, 'catalog'))), exposeErrorDetails: true }) } },
    );
  });
  afterAll(async () => {
    await hardened?.close();
  });

  it('the leaky product really does leak SQL and table names when asked directly', async () => {
    const body = JSON.stringify({ query: '{ product(sku: "SKU-0001") { name } }' });
    const key = loadSigningKeyring().keysFor('catalog')[0]!;
    const direct = await postGraphQL(hardened.products.catalog!.running.url, body, { [SIGNATURE_HEADER]: signatureHeader(key, 'catalog', body) });
    expect(direct.body.errors?.[0]?.message).toMatch(/products_v2/);
  });

  it('masks it at the gateway: the SQL, table names and product URL never reach the client', async () => {
    const result = await hardened.query('{ product(sku: "SKU-0001") { sku name } }');
    expect(result.body.data).toEqual({ product: null });
    expect(result.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'PRODUCT_ERROR', product: 'catalog', requestId: result.headers.get('x-request-id') }]);
    expect(JSON.stringify(result.body)).not.toMatch(/products_v2|SELECT|Catalog Error|stacktrace|127\.0\.0\.1/);
  });

  it('names an unreachable product with PRODUCT_UNAVAILABLE, not its URL', async () => {
    const result = await hardened.query('{ productForecast(sku: "SKU-0001", months: 1) { units } }');
    expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['PRODUCT_UNAVAILABLE']);
    expect(result.body.errors?.[0]?.extensions?.product).toBe('forecasts');
    expect(JSON.stringify(result.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\//);
  });

  it('refuses introspection with INTROSPECTION_DISABLED, also hidden in a fragment, but allows __typename', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Customer") { name } }', '{ ...Q } fragment Q on Query { __schema { queryType { name } } }']) {
      const result = await hardened.query(query);
      expect(result.status).toBe(400);
      expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual(['INTROSPECTION_DISABLED']);
    }
    const typename = await hardened.query('{ __typename }');
    expect(typename.body).toMatchObject({ data: { __typename: 'Query' } });
  });
});

/** A store whose product lookup reads a table that does not exist: DuckDB's error quotes the SQL. */
class WrongTableStore implements DataStore {
  readonly kind = 'duckdb' as const;
  constructor(private readonly inner: DuckDbStore) {}
  get log() {
    return this.inner.log;
  }
  query<Row extends object>(sql: string, params?: readonly StoreValue[]): Promise<Row[]> {
    return this.inner.query<Row>(sql.replace('FROM products WHERE', 'FROM products_v2 WHERE'), params);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function productKey() {
  // The same development key path `npm start` and the gateway under test use.
  return loadSigningKeyring().keysFor('customers')[0]!;
}
