import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionPlumbing, type Catalog } from '../../gateway/catalog/catalog-data.ts';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import { ANALYST_SCOPES, postGraphQL, startMesh, type MeshHarness } from '../support/mesh-harness.ts';
import { until } from '../support/until.ts';

/**
 * One view per caller, through a real gateway in production mode: introspection on
 * `/graphql`, `/mcp`'s descriptions and the catalog (`/catalog.json`, `/catalog/<product>`)
 * name the same fields to the same caller. Preview fields only to a caller who opted in
 * (the `x-meshgate-preview` header), whichever door it asks; the clients still using a
 * deprecated field only to an operator (the operator scope in a verified token).
 */
const SECRET = 'one view per caller: a test signing secret';
const CLIENT = 'doors-test-dashboard';
const PREVIEW = { 'x-meshgate-preview': 'true' };
let mesh: MeshHarness;
let dir: string;
let previewFields: ReadonlySet<string>;
let callers: { name: string; headers: Record<string, string>; preview: boolean; operator: boolean }[];
const clients: Client[] = [];

beforeAll(async () => {
  // Production: products and gateway share a signing secret, as the README's production section sets it.
  process.env.MESHGATE_SIGNING_SECRET = SECRET;
  dir = mkdtempSync(join(tmpdir(), 'meshgate-one-view-'));
  mesh = await startMesh({
    mode: 'production',
    introspection: true,
    mcp: { enabled: true },
    auth: { allowAnonymous: true },
    usage: { file: join(dir, 'usage.jsonl'), flushIntervalMs: 50 },
  });
  previewFields = readSupergraphModel(readFileSync('schema/supergraph.graphql', 'utf8')).previewFields;
  const analyst = `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}`;
  const operator = `Bearer ${await mesh.token({ sub: 'operator@example.com', scope: 'meshgate:operator' })}`;
  callers = [
    { name: 'an anonymous caller', headers: {}, preview: false, operator: false },
    { name: 'a signed-in analyst', headers: { authorization: analyst }, preview: false, operator: false },
    { name: 'an anonymous caller opted in to preview', headers: PREVIEW, preview: true, operator: false },
    { name: 'a signed-in analyst opted in to preview', headers: { authorization: analyst, ...PREVIEW }, preview: true, operator: false },
    { name: 'an operator', headers: { authorization: operator }, preview: false, operator: true },
  ];
  // A signed-in client uses a deprecated field, so there is a client name for the catalog to show or hide.
  const deprecated = await mesh.query('{ customer(id: "C00042") { id name } }', undefined, { authorization: analyst, 'apollographql-client-name': CLIENT });
  expect(deprecated.body.data.customer.name).toBeTruthy();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await mesh?.close();
  delete process.env.MESHGATE_SIGNING_SECRET;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const endpoint = (path: string) => mesh.gateway.url.replace(/\/graphql$/, path);
const dataFields = (coordinates: Iterable<string>) => new Set([...coordinates].filter((c) => !isConnectionPlumbing(c.slice(0, c.indexOf('.')))));

async function introspected(headers: Record<string, string>): Promise<Set<string>> {
  const result = await postGraphQL(mesh.gateway.url, { query: '{ __schema { types { name fields(includeDeprecated: true) { name } } } }' }, headers);
  expect(result.body.errors).toBeUndefined();
  const types = result.body.data.__schema.types as { name: string; fields: { name: string }[] | null }[];
  return dataFields(types.filter((t) => !t.name.startsWith('__')).flatMap((t) => (t.fields ?? []).map((f) => `${t.name}.${f.name}`)));
}

async function catalogOf(headers: Record<string, string>): Promise<Catalog> {
  const response = await fetch(endpoint('/catalog.json'), { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Catalog;
}

function catalogued(catalog: Catalog): Set<string> {
  return dataFields(catalog.products.filter((p) => p.served).flatMap((p) => [...p.fields, ...p.previewFields].map((f) => f.coordinate)));
}

async function described(headers: Record<string, string>, products: readonly string[]): Promise<Set<string>> {
  const client = new Client({ name: 'one-view-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', mesh.gateway.url), { requestInit: { headers } }));
  clients.push(client);
  const coordinates: string[] = [];
  for (const product of products) {
    const result = (await client.callTool({ name: 'describe_data_product', arguments: { product } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const body = result.structuredContent as { types: { name: string; fields: { name: string }[] }[] };
    coordinates.push(...body.types.flatMap((t) => t.fields.map((f) => `${t.name}.${f.name}`)));
  }
  return dataFields(coordinates);
}

describe('the three doors, for each kind of caller', () => {
  it('has preview fields to hide: the test is not vacuous', () => {
    expect(previewFields.size).toBeGreaterThan(0);
  });

  it('name the same fields: catalog, MCP and introspection agree on every field any of them names', async () => {
    for (const caller of callers) {
      const catalog = await catalogOf(caller.headers);
      const served = catalog.products.filter((p) => p.served).map((p) => p.name);
      const doors = { introspection: await introspected(caller.headers), mcp: await described(caller.headers, served), catalog: catalogued(catalog) };
      // Every field the catalog or MCP names is one introspection answers with, and the other way round for the products' fields.
      const named = new Set([...doors.catalog, ...doors.mcp]);
      for (const coordinate of named) {
        expect({ caller: caller.name, coordinate, introspection: doors.introspection.has(coordinate), mcp: doors.mcp.has(coordinate), catalog: doors.catalog.has(coordinate) }).toEqual({
          caller: caller.name,
          coordinate,
          introspection: true,
          mcp: true,
          catalog: true,
        });
      }
      for (const coordinate of previewFields) {
        const seen = { introspection: doors.introspection.has(coordinate), mcp: doors.mcp.has(coordinate), catalog: doors.catalog.has(coordinate) };
        expect({ caller: caller.name, coordinate, ...seen }).toEqual({ caller: caller.name, coordinate, introspection: caller.preview, mcp: caller.preview, catalog: caller.preview });
      }
    }
  });

  it("never shows a preview field's name on a product page to a caller who has not opted in", async () => {
    for (const coordinate of previewFields) {
      const [typeName, fieldName] = coordinate.split('.') as [string, string];
      const owner = (await catalogOf(PREVIEW)).products.find((p) => p.previewFields.some((f) => f.coordinate === coordinate))!;
      expect(owner, coordinate).toBeDefined();
      for (const caller of callers) {
        const html = await (await fetch(endpoint(`/catalog/${owner.name}`), { headers: caller.headers })).text();
        expect({ caller: caller.name, named: html.includes(`${typeName}.${fieldName}`) }).toEqual({ caller: caller.name, named: caller.preview });
      }
      const list = await (await fetch(endpoint(`/catalog?q=${encodeURIComponent(fieldName)}`))).text();
      expect(list).not.toContain(coordinate);
    }
  });

  it('names the clients still using a deprecated field to an operator only', async () => {
    const operator = callers.find((c) => c.operator)!;
    // The usage store flushes on its own timer, and the catalog is rebuilt on its next write.
    await until(async () => JSON.stringify(await catalogOf(operator.headers)).includes(CLIENT));
    const used = (await catalogOf(operator.headers)).products.find((p) => p.deprecatedFields.some((f) => f.deprecation!.recentUsage!.some((u) => u.client === CLIENT)))!;
    for (const caller of callers) {
      const catalog = await catalogOf(caller.headers);
      const usage = catalog.products.flatMap((p) => p.deprecatedFields.map((f) => f.deprecation!.recentUsage));
      expect(usage.length).toBeGreaterThan(0);
      expect({ caller: caller.name, shown: usage.every((u) => Array.isArray(u)), hidden: usage.every((u) => u === null) }).toEqual({
        caller: caller.name,
        shown: caller.operator,
        hidden: !caller.operator,
      });
      const page = await (await fetch(endpoint(`/catalog/${used.name}`), { headers: caller.headers })).text();
      expect({ caller: caller.name, json: JSON.stringify(catalog).includes(CLIENT), page: page.includes(CLIENT) }).toEqual({ caller: caller.name, json: caller.operator, page: caller.operator });
    }
  });

  it('refuses a bad token on the catalog with 401 UNAUTHENTICATED, as /graphql does, instead of reading it as anonymous', async () => {
    for (const path of ['/catalog.json', '/catalog']) {
      const response = await fetch(endpoint(path), { headers: { authorization: 'Bearer not-a-token' } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});
