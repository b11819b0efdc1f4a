import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import { loadSigningKeyring } from '../../../schema/protocol/signing-keys.ts';
import { PRODUCT_REPORT_HEADER } from '../../../schema/protocol/product-report.ts';
import { SIGNATURE_HEADER } from '../../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../../schema/protocol/signature-verifier.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * Outbound de-duplication through a real gateway: a `ledger` product over HTTP that holds
 * every request until the test lets it answer, so identical fetches are provably in flight
 * together, and that records each body it receives. It checks the gateway's v2 signature
 * over the bytes it read, as the product kit does.
 */
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Account @key(fields: "id") { id: ID! balance: Int! }
  type Query { account(id: ID!): Account }
  type Mutation { deposit(id: ID!, amount: Int!): Account }
`);
const balances = new Map([
  ['1', 100],
  ['2', 200],
]);
const schema = buildSubgraphSchema({
  typeDefs,
  resolvers: {
    Query: { account: (_: unknown, { id }: { id: string }) => ({ id, balance: balances.get(id) }) },
    Mutation: {
      deposit: (_: unknown, { id, amount }: { id: string; amount: number }) => {
        balances.set(id, (balances.get(id) ?? 0) + amount);
        return { id, balance: balances.get(id) };
      },
    },
  } as never,
});
const REPORT = JSON.stringify({ name: 'ledger', version: '1.2.3', status: 'active', dataAsOf: null, freshness: null });

/** The product's side: what it received, and the answers it holds back. */
const ledger = {
  mode: 'up' as 'up' | 'down',
  bodies: [] as string[],
  held: [] as (() => Promise<void>)[],
  release(): void {
    for (const answer of this.held.splice(0)) void answer();
  },
  reset(): void {
    this.bodies = [];
    this.mode = 'up';
  },
};

let server: Server;
let gateway: RunningGateway;

beforeAll(async () => {
  const verifier = new SignatureVerifier({ product: 'ledger', keys: loadSigningKeyring().keysFor('ledger') });
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    try {
      await verifier.verify(req.headers[SIGNATURE_HEADER], raw);
    } catch (error) {
      return send(res, 401, { errors: [{ message: (error as Error).message }] });
    }
    ledger.bodies.push(raw.toString('utf8'));
    ledger.held.push(async () => {
      if (ledger.mode === 'down') {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<html>ledger is down</html>');
        return;
      }
      const { query, variables } = JSON.parse(raw.toString('utf8'));
      send(res, 200, await graphql({ schema, source: query, variableValues: variables }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const composed = composeServices([{ name: 'ledger', url, typeDefs }]);
  if (composed.errors) throw composed.errors[0];
  const file = join(mkdtempSync(join(tmpdir(), 'meshgate-dedupe-')), 'supergraph.graphql');
  writeFileSync(file, composed.supergraphSdl);
  gateway = await startGateway(
    resolveGatewayConfig({
      port: 0,
      supergraph: { file },
      usage: { enabled: false },
      // Inbound coalescing off: identical client requests must each reach the fetch layer tested here.
      coalesceQueries: false,
      // No retries: every failure below is the one answer the product gave.
      transport: { retry: { retries: 0 }, breaker: { failureThreshold: 1000 } },
    }),
  );
});
afterAll(async () => {
  ledger.release();
  await gateway?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', [PRODUCT_REPORT_HEADER]: REPORT }).end(JSON.stringify(body));
}

async function sharedFetches(): Promise<number> {
  const scrape = await (await fetch(gateway.url.replace(/graphql$/, 'metrics'))).text();
  return Number(/meshgate_product_fetches_shared_total\{product="ledger"\} (\d+)/.exec(scrape)?.[1] ?? 0);
}

/** Polls until `condition` holds or five seconds pass; the assertions that follow say what was missing. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 5_000 && !(await condition()); waited += 20) await sleep(20);
}

function count(bodies: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const body of bodies) counts[JSON.parse(body).query] = (counts[JSON.parse(body).query] ?? 0) + 1;
  return counts;
}

const ACCOUNT_1 = '{ account(id: "1") { id balance } }';
const ACCOUNT_2 = '{ account(id: "2") { id balance } }';

describe('identical fetches in flight at once', () => {
  it('reach the product once per distinct fetch, and every caller gets its own answer and product report', async () => {
    ledger.reset();
    const sharedBefore = await sharedFetches();
    const pending = Promise.all([...Array(5).fill(ACCOUNT_1), ...Array(5).fill(ACCOUNT_2)].map((query: string) => postGraphQL(gateway.url, { query })));
    await until(async () => ledger.held.length >= 2 && (await sharedFetches()) - sharedBefore >= 8);
    ledger.release();
    const results = await pending;

    // Two distinct fetches (the planner's operations for account 1 and account 2), each sent once.
    expect(Object.values(count(ledger.bodies))).toEqual([1, 1]);
    expect((await sharedFetches()) - sharedBefore).toBe(8);
    for (const [index, result] of results.entries()) {
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual({ account: index < 5 ? { id: '1', balance: 100 } : { id: '2', balance: 200 } });
      expect(result.body.extensions?.dataProducts).toEqual([{ name: 'ledger', version: '1.2.3', status: 'active', dataAsOf: null, stale: false }]);
    }
  });

  it('never share a mutation', async () => {
    ledger.reset();
    const sharedBefore = await sharedFetches();
    const mutation = 'mutation { deposit(id: "1", amount: 5) { balance } }';
    const pending = Promise.all(Array.from({ length: 4 }, () => postGraphQL(gateway.url, { query: mutation })));
    await until(() => ledger.held.length >= 4);
    ledger.release();
    const results = await pending;

    expect(Object.values(count(ledger.bodies))).toEqual([4]);
    expect(await sharedFetches()).toBe(sharedBefore);
    expect(results.map((result) => result.body.data.deposit.balance).sort()).toEqual([105, 110, 115, 120]);
  });

  it('deliver a failure of the shared fetch to every waiter, and forget it: the next request fetches fresh', async () => {
    ledger.reset();
    ledger.mode = 'down';
    const sharedBefore = await sharedFetches();
    const pending = Promise.all(Array.from({ length: 4 }, () => postGraphQL(gateway.url, { query: ACCOUNT_1 })));
    await until(async () => ledger.held.length >= 1 && (await sharedFetches()) - sharedBefore >= 3);
    ledger.release();
    const results = await pending;

    expect(ledger.bodies).toHaveLength(1);
    for (const result of results) {
      expect(result.body.data).toEqual({ account: null });
      // Each waiter reports the failure as its own, with its own request id.
      expect(result.body.errors?.map((error) => error.extensions)).toEqual([{ code: 'PRODUCT_UNAVAILABLE', product: 'ledger', requestId: result.headers.get('x-request-id') }]);
    }
    expect(new Set(results.map((result) => result.headers.get('x-request-id'))).size).toBe(4);

    ledger.mode = 'up';
    const next = postGraphQL(gateway.url, { query: ACCOUNT_1 });
    await until(() => ledger.held.length >= 1);
    ledger.release();
    expect((await next).body).toMatchObject({ data: { account: { id: '1', balance: 120 } } });
    expect(ledger.bodies).toHaveLength(2);
  });
});
