import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../../gateway/config-loader.ts';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { ANALYST_SCOPES, postGraphQL, startGatewayOn, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * `/mcp` driven by the MCP SDK's own client, through the real gateway and the demo mesh:
 * an anonymous agent and one holding the analyst's token list the tools, list and describe
 * products and run queries, and each answer is held to what the same headers get from
 * `/graphql` (its introspection, its data, its errors, FORBIDDEN_FIELD included).
 */
let mesh: MeshHarness;
let callers: { name: string; headers: Record<string, string>; signedIn: boolean }[];
const clients: Client[] = [];

beforeAll(async () => {
  mesh = await startWorkerMesh();
  callers = [
    { name: 'an anonymous agent', headers: {}, signedIn: false },
    { name: 'an agent with the analyst token', headers: { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}` }, signedIn: true },
  ];
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await mesh?.close();
});

function mcpUrl(graphqlUrl: string): URL {
  return new URL('/mcp', graphqlUrl);
}

async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'meshgate-test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(mesh.gateway.url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

/** The JSON a tool answered, as its text content (what every MCP client shows) and its structured content. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ result: CallToolResult; body: any }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  expect(JSON.parse(text)).toEqual(result.structuredContent);
  return { result, body: result.structuredContent };
}

/** Request ids differ between two requests; everything else of an answer must not. */
function withoutRequestIds(body: any): any {
  return JSON.parse(JSON.stringify(body), (key, value) => (key === 'requestId' ? undefined : value));
}

const SALES_QUERY = '{ revenueByMonth(from: "2026-01-01", to: "2026-06-30") { month orderCount totalUsd } revenueByCategory(from: "2026-01-01", to: "2026-06-30") { category units amountUsd } }';

describe('/mcp', () => {
  // First, while no query has reached any product: the catalog would say "unknown" for each.
  it("tells each product's freshness as the product reports it now, before any query reached it", async () => {
    const client = await connect(callers[0]!.headers);
    const { body: listed } = await call(client, 'list_data_products');
    for (const member of DEMO_MESH) {
      const reported = (await (await fetch(new URL('/watermark', mesh.products[member.name]!.running.url))).json()) as { dataAsOf: string };
      const { body } = await call(client, 'describe_data_product', { product: member.name });
      expect(body.freshness.dataAsOf, member.name).toBe(reported.dataAsOf);
      expect(['fresh', 'stale'], member.name).toContain(body.freshness.state);
      expect(listed.products.find((p: any) => p.name === member.name).freshness).toEqual(body.freshness);
    }
  });

  it('offers the three data-product tools to every caller', async () => {
    for (const caller of callers) {
      const { tools } = await (await connect(caller.headers)).listTools();
      expect(tools.map((tool) => tool.name).sort(), caller.name).toEqual(['describe_data_product', 'list_data_products', 'run_graphql_query']);
      expect(tools.find((tool) => tool.name === 'run_graphql_query')?.inputSchema.required).toEqual(['query']);
    }
  });

  it("lists every served product with the descriptor the catalog has for it, from the catalog's one build", async () => {
    const catalog = (await (await fetch(new URL('/catalog.json', mesh.gateway.url))).json()) as { products: any[] };
    const builds = async () => Number(/^meshgate_catalog_builds_total (\d+)$/m.exec(await (await fetch(new URL('/metrics', mesh.gateway.url))).text())?.[1]);
    const before = await builds();
    for (const caller of callers) {
      const { body } = await call(await connect(caller.headers), 'list_data_products');
      expect(body.products.map((p: any) => p.name).sort(), caller.name).toEqual(DEMO_MESH.map((m) => m.name).sort());
      for (const product of body.products) {
        const entry = catalog.products.find((p) => p.name === product.name);
        expect(product).toMatchObject({ domain: entry.domain, owner: entry.owner, version: entry.version, status: entry.status, sla: entry.sla, inputPorts: entry.inputs });
        expect(['fresh', 'stale', 'unknown']).toContain(product.freshness.state);
      }
    }
    expect(await builds()).toBe(before);
  });

  for (const index of [0, 1]) {
    it(`describes sales and runs its query as /graphql answers ${index === 0 ? 'an anonymous caller' : 'the analyst'}`, async () => {
      const caller = callers[index]!;
      const client = await connect(caller.headers);
      const { body: sales } = await call(client, 'describe_data_product', { product: 'sales' });
      // Every field described is in the caller's API schema, as /graphql's introspection has it.
      const introspection = await postGraphQL(mesh.gateway.url, { query: '{ __schema { types { name fields(includeDeprecated: true) { name } } } }' }, caller.headers);
      const served = new Set(introspection.body.data.__schema.types.flatMap((t: any) => (t.fields ?? []).map((f: any) => `${t.name}.${f.name}`)));
      const described = sales.types.flatMap((t: any) => t.fields.map((f: any) => ({ ...f, coordinate: `${t.name}.${f.name}` })));
      expect(described.length).toBeGreaterThan(0);
      for (const field of described) expect(served, field.coordinate).toContain(field.coordinate);
      expect(sales.examples.length).toBeGreaterThan(0);

      // The query: same answer as /graphql, and the fields refused are those describe says this caller may not read.
      const { result, body } = await call(client, 'run_graphql_query', { query: SALES_QUERY });
      const direct = await postGraphQL(mesh.gateway.url, { query: SALES_QUERY }, caller.headers);
      expect(withoutRequestIds(body)).toEqual(withoutRequestIds(direct.body));
      expect(result._meta?.['meshgate/httpStatus']).toBe(direct.status);
      const refused = (body.errors ?? []).filter((e: any) => e.extensions.code === 'FORBIDDEN_FIELD').map((e: any) => e.path.filter((key: unknown) => typeof key === 'string').join('.'));
      // Each refused path ends in a field describe marked unreadable for this caller, on the type the query reaches there.
      const unreadable = new Set(described.filter((f: any) => !f.readable).map((f: any) => f.name));
      for (const path of refused) expect(unreadable, path).toContain(path.split('.').at(-1));
      if (caller.signedIn) {
        expect(body.errors).toBeUndefined();
        expect(body.data.revenueByMonth.length).toBeGreaterThan(0);
        expect(body.extensions.dataProducts.map((p: any) => p.name)).toContain('sales');
      } else {
        // The aggregates are internal, their money confidential: anonymous callers get the rows, without the money.
        expect([...new Set(refused)].sort()).toEqual(['revenueByCategory.amountUsd', 'revenueByMonth.totalUsd']);
        expect(body.data.revenueByMonth.length).toBeGreaterThan(0);
        // Partial data is an answer, not a failed call: isError is kept for calls that carry no data.
        expect(result.isError).toBeUndefined();
      }

      // Its example queries answer as they do on /graphql.
      for (const example of sales.examples) {
        const viaMcp = await call(client, 'run_graphql_query', { query: example.query });
        const viaGraphql = await postGraphQL(mesh.gateway.url, { query: example.query }, caller.headers);
        expect(withoutRequestIds(viaMcp.body), example.title).toEqual(withoutRequestIds(viaGraphql.body));
      }
    });
  }

  it('carries the deprecation signals /graphql sends as headers, and describes a deprecated field without its users', async () => {
    const catalog = (await (await fetch(new URL('/catalog.json', mesh.gateway.url))).json()) as { products: any[] };
    const product = catalog.products.find((p) => p.deprecatedFields.length > 0 && p.examples.length > 0);
    expect(product, 'a demo product with a deprecated field').toBeDefined();
    const deprecated = product.deprecatedFields[0];
    const client = await connect(callers[1]!.headers);
    const { body: described } = await call(client, 'describe_data_product', { product: product.name });
    const [typeName, fieldName] = deprecated.coordinate.split('.');
    const field = described.types.find((t: any) => t.name === typeName).fields.find((f: any) => f.name === fieldName);
    expect(field.deprecation).toEqual({ reason: deprecated.deprecation.reason, sunset: deprecated.deprecation.sunset });

    const query = '{ products(first: 1) { edges { node { sku price } } } }';
    const { result } = await call(client, 'run_graphql_query', { query });
    const direct = await postGraphQL(mesh.gateway.url, { query }, callers[1]!.headers);
    expect(direct.headers.get('deprecation')).toBe('true');
    expect(result._meta).toMatchObject({ 'meshgate/deprecation': direct.headers.get('deprecation'), 'meshgate/sunset': direct.headers.get('sunset') });
  });

  it('names preview fields only to a caller who opted in, as /graphql admits them', async () => {
    // The catalog names preview fields to a caller who opted in, as every door does.
    const catalog = (await (await fetch(new URL('/catalog.json', mesh.gateway.url), { headers: { 'x-meshgate-preview': 'true' } })).json()) as { products: any[] };
    const product = catalog.products.find((p) => p.previewFields.length > 0);
    expect(product, 'a demo product with a preview field').toBeDefined();
    const preview = product.previewFields.map((f: any) => f.coordinate);
    const coordinates = (body: any) => body.types.flatMap((t: any) => t.fields.map((f: any) => `${t.name}.${f.name}`));
    const without = await call(await connect(callers[1]!.headers), 'describe_data_product', { product: product.name });
    for (const coordinate of preview) expect(coordinates(without.body)).not.toContain(coordinate);
    const optedIn = await call(await connect({ ...callers[1]!.headers, 'x-meshgate-preview': 'true' }), 'describe_data_product', { product: product.name });
    for (const coordinate of preview) expect(coordinates(optedIn.body)).toContain(coordinate);
  });

  it('is not served when mcp.enabled is off: the route table answers 404 as for any unknown path', async () => {
    expect(resolveGatewayConfig({ mode: 'production' }).mcp.enabled).toBe(false);
    expect(resolveGatewayConfig({}).mcp.enabled).toBe(true);
    expect(loadGatewayConfig({ env: { NODE_ENV: 'production', MESHGATE_MCP: 'true' } }).mcp.enabled).toBe(true);
    expect(loadGatewayConfig({ env: { MESHGATE_MCP: 'false' } }).mcp.enabled).toBe(false);
    const off = await startGatewayOn(mesh, { mcp: { enabled: false } });
    try {
      const init = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' };
      const [mcp, unknown] = await Promise.all([fetch(mcpUrl(off.url), init), fetch(new URL('/no-such-path', off.url), init)]);
      expect(mcp.status).toBe(404);
      const body = (await mcp.json()) as any;
      expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
      expect(body.errors[0].message).toBe((((await unknown.json()) as any).errors[0].message as string).replace('/no-such-path', '/mcp'));
    } finally {
      await off.close();
    }
  });
});

/**
 * The README's "Connect an AI agent (MCP)" section, as a reader uses it: its client config
 * (URL and headers, the placeholder token replaced by a real one) with the SDK's client,
 * and its `curl` line run by the shell as written, each on the test gateway's port.
 */
describe('README: Connect an AI agent (MCP)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = /^## Connect an AI agent \(MCP\)\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const block = (language: string) => new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, 'm').exec(section)?.[1] ?? '';
  const onTestPort = (text: string) => text.replaceAll('localhost:4000', `localhost:${mesh.gateway.port}`);

  it('connects the client config it shows, with a token in place of <token>', async () => {
    const server = (JSON.parse(block('json')) as { mcpServers: Record<string, { type: string; url: string; headers: Record<string, string> }> }).mcpServers.meshgate!;
    expect(server.type).toBe('http');
    expect(server.headers.Authorization).toBe('Bearer <token>');
    const token = await mesh.token({ scope: ANALYST_SCOPES });
    const client = new Client({ name: 'readme-agent', version: '1.0.0' });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(onTestPort(server.url)), { requestInit: { headers: { Authorization: server.headers.Authorization!.replace('<token>', token) } } }));
    const { body } = await call(client, 'list_data_products');
    expect(body.products.map((p: any) => p.name).sort()).toEqual(DEMO_MESH.map((m) => m.name).sort());
  });

  it("runs its curl line as written and gets the query's data, as /graphql answers it", async () => {
    const lines = block('sh')
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^curl -s localhost:4000\/mcp /);
    const { stdout } = await promisify(execFile)('sh', ['-c', onTestPort(lines[0]!)]);
    const answer = JSON.parse(stdout) as { result: CallToolResult };
    const query = (JSON.parse(/-d '([^']*)'/.exec(lines[0]!)![1]!) as { params: { arguments: { query: string } } }).params.arguments.query;
    const direct = await postGraphQL(mesh.gateway.url, { query });
    expect(answer.result.isError).toBeUndefined();
    expect(withoutRequestIds(answer.result.structuredContent)).toEqual(withoutRequestIds(direct.body));
  });
});
