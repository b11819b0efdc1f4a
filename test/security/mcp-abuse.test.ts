import { SignJWT, generateKeyPair } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { ANALYST_SCOPES, postGraphQL, startGatewayOn, TEST_AUDIENCE, TEST_ISSUER, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Hostile and broken input on `/mcp`, each refused with its exact code: at the HTTP layer
 * (the router's answer, as on `/graphql`), as a JSON-RPC error (our code in
 * `error.data.code`), or, for a query, as the very answer `/graphql` gives the same headers.
 * Introspection is off and cost is enforced here, as in production.
 */
const MAX_BODY_BYTES = 8192;
let mesh: MeshHarness;
let limited: RunningGateway;
let analyst: Record<string, string>;
const clients: Client[] = [];

beforeAll(async () => {
  mesh = await startWorkerMesh({ introspection: false, cost: { mode: 'enforce' }, maxBodyBytes: MAX_BODY_BYTES });
  limited = await startGatewayOn(mesh, { rateLimit: { capacity: 2, refillPerSecond: 0.001 } });
  analyst = { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES })}` };
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await limited?.close();
  await mesh?.close();
});

const mcpUrl = (graphqlUrl: string) => new URL('/mcp', graphqlUrl);
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };

/** A raw POST to /mcp, as an MCP client sends it (both media types accepted). */
async function post(body: string | object, headers: Record<string, string> = {}, url = mcpUrl(mesh.gateway.url)): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'meshgate-abuse-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(mesh.gateway.url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

/** Runs a query through the tool and through /graphql with the same headers: the answers must be one. */
async function sameAsGraphql(query: string, headers: Record<string, string>): Promise<{ result: CallToolResult; codes: string[] }> {
  const result = (await (await connect(headers)).callTool({ name: 'run_graphql_query', arguments: { query } })) as CallToolResult;
  const direct = await postGraphQL(mesh.gateway.url, { query }, headers);
  const strip = (body: unknown) => JSON.parse(JSON.stringify(body), (key, value) => (key === 'requestId' ? undefined : value));
  expect(strip(result.structuredContent)).toEqual(strip(direct.body));
  expect(result._meta?.['meshgate/httpStatus']).toBe(direct.status);
  return { result, codes: ((result.structuredContent as any).errors ?? []).map((e: any) => e.extensions.code) };
}

describe('/mcp refuses malformed JSON-RPC with its code', () => {
  it('answers a body that is not JSON with 400, JSON-RPC parse error and BAD_REQUEST, counted among the rejections', async () => {
    const rejections = async () => {
      const text = await (await fetch(new URL('/metrics', mesh.gateway.url))).text();
      return Number(/^meshgate_rejections_total\{code="BAD_REQUEST"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await rejections();
    const { status, body } = await post('{"jsonrpc": "2.0", "method": ');
    expect(status).toBe(400);
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { code: 'BAD_REQUEST' } } });
    expect(await rejections()).toBe(before + 1);
  });

  it('answers JSON that is not a JSON-RPC message with 400, invalid request and BAD_REQUEST', async () => {
    for (const message of [{ hello: 'world' }, { jsonrpc: '1.0', id: 1, method: 'tools/list' }, 42, null]) {
      const { status, body } = await post(JSON.stringify(message));
      expect(status, JSON.stringify(message)).toBe(400);
      expect(body.error, JSON.stringify(message)).toMatchObject({ code: -32600, data: { code: 'BAD_REQUEST' } });
    }
  });

  it('refuses a JSON-RPC batch with BATCHING_DISABLED: one tool call per request, under one rate-limit token', async () => {
    const call = { jsonrpc: '2.0', method: 'tools/call', params: { name: 'run_graphql_query', arguments: { query: '{ __typename }' } } };
    const { status, body } = await post([INITIALIZE, { ...call, id: 2 }, { ...call, id: 3 }]);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: -32600, data: { code: 'BATCHING_DISABLED' } });
  });

  it('answers a call to a tool it does not offer with invalid params and UNKNOWN_TOOL, without echoing the name', async () => {
    const client = await connect(analyst);
    const error = await client.callTool({ name: 'drop_all_tables<script>', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).data).toEqual({ code: 'UNKNOWN_TOOL' });
    expect((error as McpError).message).not.toContain('drop_all_tables');
  });

  it('answers a method it does not serve (resources, prompts, logging, a made-up one) with method not found and NOT_FOUND, without echoing it', async () => {
    for (const method of ['resources/list', 'prompts/get', 'logging/setLevel', 'completion/complete', 'secret-looking-method']) {
      const { status, body } = await post({ jsonrpc: '2.0', id: 8, method, params: {} }, analyst);
      expect(status, method).toBe(200);
      expect(body, method).toMatchObject({ id: 8, error: { code: -32601, data: { code: 'NOT_FOUND' } } });
      expect(body.error.message, method).not.toContain(method);
    }
  });

  it('answers a tool name that is a property of every object (constructor, __proto__) with UNKNOWN_TOOL', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const { status, body } = await post({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {} } }, analyst);
      expect(status, name).toBe(200);
      expect(body, name).toMatchObject({ id: 7, error: { code: -32602, data: { code: 'UNKNOWN_TOOL' } } });
    }
  });

  it('answers arguments a tool does not take with invalid params and BAD_USER_INPUT, naming the argument but not the value', async () => {
    const client = await connect(analyst);
    const cases: [string, Record<string, unknown>, string][] = [
      ['describe_data_product', { product: 42 }, 'product'],
      ['describe_data_product', {}, 'product'],
      ['run_graphql_query', { variables: { a: 1 } }, 'query'],
      ['run_graphql_query', { query: '{ __typename }', variables: 'secret-looking-value' }, 'variables'],
      // A key no tool takes is refused, not dropped: a misspelt operation_name would otherwise run another operation.
      ['run_graphql_query', { query: '{ __typename }', 'secret-looking-value': 1 }, '(arguments)'],
      ['list_data_products', { product: 'secret-looking-value' }, '(arguments)'],
    ];
    for (const [name, args, path] of cases) {
      const error = (await client.callTool({ name, arguments: args }).catch((e: unknown) => e)) as McpError;
      expect(error, `${name} ${JSON.stringify(args)}`).toBeInstanceOf(McpError);
      expect(error.code).toBe(-32602);
      expect(error.data).toEqual({ code: 'BAD_USER_INPUT' });
      expect(error.message).toContain(`${path}:`);
      expect(error.message).not.toContain('secret-looking-value');
    }
  });

  it('answers describe of a product it does not serve with NOT_FOUND', async () => {
    const result = (await (await connect(analyst)).callTool({ name: 'describe_data_product', arguments: { product: '../../etc/passwd' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect((result.structuredContent as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses a client that does not accept both answer types with 406 NOT_ACCEPTABLE, and an unknown protocol version with 400 BAD_REQUEST', async () => {
    for (const accept of ['application/json', 'text/event-stream', '*/*']) {
      const { status, body } = await post(INITIALIZE, { accept });
      expect(status, accept).toBe(406);
      expect(body.errors[0].extensions.code, accept).toBe('NOT_ACCEPTABLE');
    }
    const { status, body } = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-protocol-version': '1999-01-01' });
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses GET (no server-initiated stream) with 405 METHOD_NOT_ALLOWED and another media type with 415', async () => {
    const get = await fetch(mcpUrl(mesh.gateway.url), { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(((await get.json()) as any).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    const form = await post(JSON.stringify(INITIALIZE), { 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    expect(form.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('/mcp holds the limits of /graphql', () => {
  it('refuses a body over maxBodyBytes with 413 BODY_TOO_LARGE', async () => {
    const { status, body } = await post({ ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(MAX_BODY_BYTES) } }, analyst);
    expect(status).toBe(413);
    expect(body.errors[0].extensions.code).toBe('BODY_TOO_LARGE');
  });

  it('refuses a query over the depth limit with DEPTH_LIMIT_EXCEEDED, as /graphql does', async () => {
    const deep = `{ ${'a { '.repeat(30)}b${' }'.repeat(30)} }`;
    const { result, codes } = await sameAsGraphql(deep, analyst);
    expect(codes).toEqual(['DEPTH_LIMIT_EXCEEDED']);
    expect(result.isError).toBe(true);
  });

  it('refuses a query over the cost limit with COST_LIMIT_EXCEEDED, as /graphql does', async () => {
    const costly = '{ customers(first: 100) { edges { node { id orders(first: 100) { edges { node { id lines { quantity } } } } } } } }';
    const { codes } = await sameAsGraphql(costly, analyst);
    expect(codes).toEqual(['COST_LIMIT_EXCEEDED']);
  });

  it('refuses introspection when it is off with INTROSPECTION_DISABLED, as /graphql does', async () => {
    const { codes } = await sameAsGraphql('{ __schema { types { name } } }', analyst);
    expect(codes).toEqual(['INTROSPECTION_DISABLED']);
  });

  it('refuses a preview field without the opt-in with PREVIEW_FIELD_NOT_ENABLED, as /graphql does, and serves it with it', async () => {
    const query = '{ products(first: 1) { edges { node { sku sustainabilityScore } } } }';
    expect((await sameAsGraphql(query, analyst)).codes).toEqual(['PREVIEW_FIELD_NOT_ENABLED']);
    const optedIn = await sameAsGraphql(query, { ...analyst, 'x-meshgate-preview': 'true' });
    expect(optedIn.codes).toEqual([]);
    expect((optedIn.result.structuredContent as any).data.products.edges[0].node).toHaveProperty('sustainabilityScore');
  });

  it('describes no product where the gateway publishes no schema (introspection and catalog off): INTROSPECTION_DISABLED, as /graphql refuses __schema', async () => {
    const closed = await startGatewayOn(mesh, { introspection: false, catalog: { enabled: false } });
    const client = new Client({ name: 'meshgate-abuse-agent', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(mcpUrl(closed.url)));
      const result = (await client.callTool({ name: 'describe_data_product', arguments: { product: 'sales' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect((result.structuredContent as any).errors.map((e: any) => e.extensions.code)).toEqual(['INTROSPECTION_DISABLED']);
      expect(JSON.stringify(result)).not.toContain('"types"');
      const direct = await postGraphQL(closed.url, { query: '{ __schema { types { name } } }' });
      expect(direct.body.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
    } finally {
      await client.close();
      await closed.close();
    }
  });

  it('refuses a field the caller may not read with FORBIDDEN_FIELD, and a hidden field as unknown, as /graphql does', async () => {
    expect((await sameAsGraphql('{ customer(id: "C00042") { id name } }', {})).codes).toEqual(['FORBIDDEN_FIELD']);
    expect((await sameAsGraphql('{ orders(first: 1) { edges { node { id marginUsd } } } }', analyst)).codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('takes a rate-limit token per request: past the bucket, 429 RATE_LIMITED', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(INITIALIZE, {}, mcpUrl(limited.url)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2]!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('refuses a Host it does not answer to with 421 HOST_NOT_ALLOWED', async () => {
    const { request } = await import('node:http');
    const url = mcpUrl(mesh.gateway.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(status).toBe(421);
  });
});

describe('/mcp refuses a bad token before any MCP message, as /graphql does', () => {
  const cases: { name: string; token: () => Promise<string> }[] = [
    { name: 'an expired token', token: () => mesh.token({ iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 }) },
    {
      name: 'a token signed by a key the gateway does not trust',
      token: async () => {
        const { privateKey } = await generateKeyPair('ES256');
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({ sub: 'mallory', scope: ANALYST_SCOPES, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 600 }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
      },
    },
    {
      name: 'a good token whose payload was rewritten to grant more scopes',
      token: async () => {
        const [header, , signature] = (await mesh.token({ scope: 'pii:read' })).split('.');
        const now = Math.floor(Date.now() / 1000);
        const payload = Buffer.from(JSON.stringify({ sub: 'analyst@example.com', scope: ANALYST_SCOPES, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 600 })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    },
  ];
  for (const testCase of cases) {
    it(`refuses ${testCase.name} with 401 UNAUTHENTICATED and /graphql's message`, async () => {
      const headers = { authorization: `Bearer ${await testCase.token()}` };
      const { status, body } = await post(INITIALIZE, headers);
      const direct = await postGraphQL(mesh.gateway.url, { query: '{ __typename }' }, headers);
      expect(status).toBe(401);
      expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      expect(body.errors[0].message).toBe(direct.body.errors?.[0]?.message);
    });
  }
});
