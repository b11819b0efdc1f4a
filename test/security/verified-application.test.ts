import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sunsetDate } from '../../schema/product/subgraph-model.ts';
import { addDays, utcDay } from '../../schema/base/utc-day.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { probeQuery, probeQueryWhere, productWith, startAgreementRegistry, withoutField, type AgreementRegistry } from '../support/agreement-registry.ts';
import { ANALYST_SCOPES, closeProducts, postGraphQL, startGatewayFor, startProducts, type MeshHarness, type MeshProducts } from '../support/mesh-harness.ts';
import { startCollector } from '../support/openlineage-collector.ts';
import { openLineageProblems, tagsOf } from '../contracts/standard-schemas.ts';

/**
 * The application a caller acts for is a claim of its verified token, never a name it sends:
 * - `/mcp` describes a field under access agreement only to an application that holds an
 *   active agreement for it; a token naming no application (whatever its headers say) or
 *   another application is not told the field exists;
 * - usage carries the verified application, and the registry's breaking-change finding names
 *   it as verified, apart from client names, including a client name claiming to be it.
 */
const DAY = 86_400_000;
const CONSUMER = 'approved-app';
/** The application its tokens name: not its consumer name, so that a tag echoing one for the other shows. */
const APPLICATION = 'approved-app-client';
const CONFIDENTIAL = productWith('confidential');
const gated = probeQuery(CONFIDENTIAL, 'confidential');
/** Headers a caller without the claim might send to pass for the approved application. */
const FORGED = { 'apollographql-client-name': APPLICATION, 'x-application': APPLICATION, 'x-meshgate-application': APPLICATION, azp: APPLICATION };

/** A deprecated field with a sunset that needs no agreement, on any demo product: removing it is a breaking change usage can stop. */
const deprecated = DEMO_MESH.flatMap((member) => {
  try {
    return [
      { product: member.name, ...probeQueryWhere(member.name, 'a deprecated ungoverned', (f) => ['public', 'internal'].includes(f.classification) && sunsetDate(f.deprecationReason) !== undefined) },
    ];
  } catch {
    return [];
  }
})[0]!;

let dir: string;
let registry: AgreementRegistry;
let products: MeshProducts;
let mesh: MeshHarness;
let collector: Awaited<ReturnType<typeof startCollector>>;
const clients: Client[] = [];

async function describeProduct(headers: Record<string, string>, product: string): Promise<{ name: string; readable: boolean }[]> {
  const client = new Client({ name: 'meshgate-test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', mesh.gateway.url), { requestInit: { headers } }));
  clients.push(client);
  const result = (await client.callTool({ name: 'describe_data_product', arguments: { product } })) as CallToolResult;
  expect(result.isError, JSON.stringify(result.structuredContent).slice(0, 300)).toBeFalsy();
  const body = result.structuredContent as { types: { name: string; fields: { name: string; readable: boolean }[] }[] };
  return body.types.flatMap((type) => type.fields.map((field) => ({ name: `${type.name}.${field.name}`, readable: field.readable })));
}

describe('a verified application, not a name the caller sends', () => {
  beforeAll(async () => {
    expect(deprecated, 'a demo product with a deprecated ungoverned field on a listed type').toBeDefined();
    process.env.MESHGATE_SIGNING_SECRET = randomBytes(24).toString('hex');
    dir = mkdtempSync(join(tmpdir(), 'verified-application-'));
    registry = await startAgreementRegistry(join(dir, 'registry.duckdb'), { consumers: [CONSUMER] });
    products = await startProducts();
    collector = await startCollector();
    mesh = await startGatewayFor(
      products,
      {
        mode: 'production',
        registry: { url: registry.server.url, token: registry.tokens.gateway! },
        supergraph: { pollIntervalMs: 100 },
        usage: { flushIntervalMs: 100 },
        mcp: { enabled: true },
        lineage: { url: collector.url, flushIntervalMs: 10, batchSize: 10 },
      },
      {},
      async () => {},
    );
    const token = registry.tokens[`consumer:${CONSUMER}`]!;
    expect((await registry.call('POST', '/v1/consumers', token, { name: CONSUMER, application: APPLICATION, ownerTeam: 'analytics', contact: 'analytics@example.com' })).status).toBe(201);
    const endsAt = new Date(Date.now() + 5 * DAY).toISOString();
    const requested = await registry.call('POST', '/v1/agreements', token, { consumer: CONSUMER, product: CONFIDENTIAL, classifications: ['confidential'], purpose: 'verified views', endsAt });
    expect((await registry.call('POST', `/v1/agreements/${requested.body.id}/decisions`, registry.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'baseline' })).status).toBe(201);
    // The approved application reads once the gateway has polled: the baseline the cases below depart from.
    const approved = await mesh.token({ scope: ANALYST_SCOPES, azp: APPLICATION });
    const ask = () => postGraphQL(mesh.gateway.url, { query: gated.query }, { authorization: `Bearer ${approved}` });
    // Bounded by time, not by a count of polls: a loaded machine polls fewer times in the same wait.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && (await ask()).body.errors; ) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await ask()).body.errors).toBeUndefined();
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await mesh?.gateway.close();
    if (products) await closeProducts(products);
    await registry?.close();
    await collector?.close();
    delete process.env.MESHGATE_SIGNING_SECRET;
    rmSync(dir, { recursive: true, force: true });
  });

  it('/mcp describes a field under agreement, as readable, to the application holding one', async () => {
    const fields = await describeProduct({ authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: APPLICATION })}` }, CONFIDENTIAL);
    expect(fields).toContainEqual({ name: gated.coordinate, readable: true });
  });

  it('/mcp does not name that field to a token naming no application, whatever its headers claim, nor to another application', async () => {
    const approved = await describeProduct({ authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: APPLICATION })}` }, CONFIDENTIAL);
    for (const [who, headers] of [
      ['no application, forged headers', { ...FORGED, authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}` }],
      ['another application', { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: 'other-app' })}` }],
    ] as const) {
      const fields = await describeProduct(headers, CONFIDENTIAL);
      expect(
        fields.map((f) => f.name),
        who,
      ).not.toContain(gated.coordinate);
      // The rest of the product is still described: only what needs an agreement it lacks is left out.
      expect(fields.length, who).toBeGreaterThan(0);
      expect(
        fields.every((f) => approved.some((a) => a.name === f.name)),
        who,
      ).toBe(true);
      // And /graphql refuses the same caller the same field.
      const answer = await postGraphQL(mesh.gateway.url, { query: gated.query }, headers);
      expect(answer.body.errors?.find((e) => e.message.includes(gated.coordinate))?.extensions?.code, who).toBe('FORBIDDEN_FIELD');
    }
  });

  it('OpenLineage names the verified application and the consumer its agreement names; a client header claiming the name is neither', async () => {
    const approved = { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: APPLICATION })}` };
    const claiming = { ...FORGED, authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}` };
    expect((await postGraphQL(mesh.gateway.url, { query: `query AgreedLineage ${gated.query}` }, approved)).body.errors).toBeUndefined();
    await postGraphQL(mesh.gateway.url, { query: `query ClaimedLineage ${gated.query}` }, claiming);
    const eventOf = async (job: string) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !collector.events.some((e) => e.job.name === job); ) await new Promise((resolve) => setTimeout(resolve, 20));
      const event = collector.events.find((e) => e.job.name === job);
      expect(event, job).toBeDefined();
      expect(openLineageProblems(event, 'run')).toEqual([]);
      return tagsOf(event.job).tags;
    };
    const agreed = await eventOf(`${APPLICATION}/AgreedLineage`);
    expect([agreed.get('verifiedApplication'), agreed.get('agreedConsumer')]).toEqual([APPLICATION, CONSUMER]);
    const claimed = await eventOf(`${APPLICATION}/ClaimedLineage`);
    expect([claimed.get('verifiedApplication'), claimed.get('agreedConsumer')]).toEqual([undefined, undefined]);
  });

  it("usage carries the verified application; a breaking change's finding names it as verified, and a client name claiming it as self-declared", async () => {
    const verifiedClient = 'finance-dashboard';
    const approved = { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: APPLICATION })}`, 'apollographql-client-name': verifiedClient };
    // Signed in (so its usage is recorded), but its token names no application: the client name is all it claims.
    const claiming = { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}`, 'apollographql-client-name': APPLICATION, azp: APPLICATION };
    const query = new URLSearchParams({ field: deprecated.coordinate, since: addDays(utcDay(), -1), until: addDays(utcDay(), 1) });
    let rows: { client: string; application?: string; count: number }[] = [];
    const recorded = () => rows.some((r) => r.application === APPLICATION && r.client === verifiedClient) && rows.some((r) => r.client === APPLICATION && r.application === undefined);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !recorded(); ) {
      for (const headers of [approved, claiming]) expect((await postGraphQL(mesh.gateway.url, { query: deprecated.query }, headers)).body.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = (await registry.call('GET', `/v1/usage?${query}`, registry.tokens.platform!)).body;
    }
    expect(recorded(), JSON.stringify(rows)).toBe(true);
    // Nobody became the application by naming it: every row under it came from its verified token.
    expect(rows.filter((r) => r.application === APPLICATION).map((r) => r.client)).toEqual([verifiedClient]);

    const check = await registry.call('POST', '/v1/check', registry.tokens.platform!, withoutField(deprecated.product, deprecated.coordinate));
    expect(check.status).toBe(200);
    const inUse = (check.body.findings as { rule: string; element: string; message: string }[]).find((f) => f.rule === 'compat/removed-field-in-use' && f.element === deprecated.coordinate);
    expect(inUse, JSON.stringify(check.body.findings).slice(0, 600)).toBeDefined();
    const [verified, selfDeclared] = inUse!.message.split('under no verified application (self-declared names): ');
    expect(verified).toMatch(new RegExp(`used by ${APPLICATION} \\(verified; \\d+ operations, last \\d{4}-\\d{2}-\\d{2}\\)`));
    expect(verified).not.toContain(verifiedClient);
    expect(selfDeclared).toMatch(new RegExp(`^${APPLICATION} \\(\\d+ operations`));
    expect(selfDeclared).not.toContain('verified');
  });
});
