import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh, type MeshHarness } from '../../support/mesh-harness.ts';
import { loggerToLines } from '../../support/log-lines.ts';

/** Reads one sample's value from Prometheus exposition text; 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const log = loggerToLines();
let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startMesh({}, { logger: log.logger });
});
afterAll(async () => {
  await mesh?.close();
});

async function scrape(): Promise<string> {
  const response = await fetch(mesh.gateway.url.replace(/graphql$/, 'metrics'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

const client = { 'apollographql-client-name': 'revenue-dashboard', 'apollographql-client-version': '2.1.0' };

describe('GET /metrics', () => {
  it('moves request, latency, product fetch and field usage counters after traffic', async () => {
    const before = await scrape();
    const operation = { operation: 'TopCustomer', client: 'revenue-dashboard' };
    const result = await mesh.query('query TopCustomer { customer(id: "C00042") { name lifetimeValueUsd } }', undefined, client);
    expect(result.body.errors).toBeUndefined();
    const after = await scrape();

    expect(
      sample(after, 'meshgate_requests_total', { ...operation, client_version: '2.1.0', outcome: 'success' }) - sample(before, 'meshgate_requests_total', { ...operation, outcome: 'success' }),
    ).toBe(1);
    expect(sample(after, 'meshgate_request_duration_seconds_count', operation)).toBe(sample(before, 'meshgate_request_duration_seconds_count', operation) + 1);
    // customer-insights needs customers and sales: at least those three fetches happened.
    for (const product of ['customers', 'sales', 'customer-insights']) {
      expect(sample(after, 'meshgate_product_fetch_duration_seconds_count', { product, outcome: 'ok' }), product).toBeGreaterThan(
        sample(before, 'meshgate_product_fetch_duration_seconds_count', { product, outcome: 'ok' }),
      );
    }
    expect(sample(after, 'meshgate_field_usage_total', { coordinate: 'Customer.lifetimeValueUsd', client: 'revenue-dashboard' })).toBeGreaterThan(0);
    // The instruments other concerns record into are registered and exposed.
    for (const name of ['meshgate_cache_lookups_total', 'meshgate_product_breaker_state', 'meshgate_rejections_total']) expect(after).toContain(`# TYPE ${name}`);
  });

  it('counts rejections by code, both from Apollo and from the HTTP layer', async () => {
    const before = await scrape();
    const invalid = await mesh.query('{ noSuchField }');
    expect(invalid.status).toBe(400);
    const malformed = await fetch(mesh.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    const after = await scrape();
    expect(sample(after, 'meshgate_rejections_total', { code: 'GRAPHQL_VALIDATION_FAILED' }) - sample(before, 'meshgate_rejections_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(after, 'meshgate_rejections_total', { code: 'BAD_REQUEST' }) - sample(before, 'meshgate_rejections_total', { code: 'BAD_REQUEST' })).toBe(1);
    expect(sample(after, 'meshgate_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBeGreaterThan(0);
  });

  it('counts a product that cannot be reached as a failed fetch of that product', async () => {
    const before = await scrape();
    await mesh.products.catalog!.running.close();
    const result = await mesh.query('{ product(sku: "SKU-0001") { name } }');
    expect(result.body.errors?.length, JSON.stringify(result.body)).toBeGreaterThan(0);
    const after = await scrape();
    expect(sample(after, 'meshgate_product_fetch_errors_total', { product: 'catalog', kind: 'failed' })).toBe(
      sample(before, 'meshgate_product_fetch_errors_total', { product: 'catalog', kind: 'failed' }) + 1,
    );
  });
});

describe('structured logs', () => {
  it('log each request with the request id the client sees in error extensions', async () => {
    const result = await mesh.query('query Broken { noSuchField }', undefined, client);
    const requestId = result.body.errors?.[0]?.extensions?.requestId as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.headers.get('x-request-id')).toBe(requestId);
    const line = log.records().find((l) => l.requestId === requestId);
    expect(line).toMatchObject({ level: 40, msg: 'graphql request failed', client: 'revenue-dashboard', clientVersion: '2.1.0', status: 400, errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  it('log a successful request at info with its operation name', async () => {
    const result = await mesh.query('query OneCustomer { customer(id: "C00001") { name } }', undefined, client);
    const requestId = result.headers.get('x-request-id');
    expect(log.records().find((l) => l.requestId === requestId)).toMatchObject({ level: 30, msg: 'graphql request', operation: 'OneCustomer', status: 200 });
  });
});
