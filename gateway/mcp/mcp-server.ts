import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isJSONRPCRequest, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { REPO_ROOT } from '../../schema/base/source-tree.ts';
import { DATA_PRODUCT_TOOLS, registerDataProductTools, type DataProductToolsOptions, type ToolCaller } from './data-product-tools.ts';
import { JsonRpcErrorCode, writeJsonRpcError } from './json-rpc-error.ts';

const GATEWAY_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The requests a server with tools only answers. Any other is refused here, as the SDK would
 * refuse it, but with our code; the method is not echoed, as a tool's name is not.
 */
const SERVED_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'tools/list', 'tools/call']);

const INSTRUCTIONS =
  "The data products of a data mesh, served as one GraphQL graph. Start with list_data_products, then describe_data_product for a product's fields and example queries, then run_graphql_query. You see what your token may read: a field you may not read comes back null with a FORBIDDEN_FIELD error.";

/**
 * Answers one MCP message (the body of one `POST /mcp`), statelessly: a new MCP server
 * and transport for each request, bound to its caller, closed with its response. There is
 * no session to steal or resume, and any gateway replica can answer any request.
 *
 * Checked here first, each with our code in `error.data.code`:
 * - a JSON-RPC batch (BATCHING_DISABLED): one tool call per HTTP request keeps the rate
 *   limit and the body limit per call (MCP clients send one message per request anyway);
 * - anything that is not a JSON-RPC 2.0 message (BAD_REQUEST);
 * - a request for a method we do not serve (NOT_FOUND);
 * - a `tools/call` of a tool we do not offer (UNKNOWN_TOOL), or with arguments its schema
 *   refuses (BAD_USER_INPUT): the SDK would answer both as a failed tool call with no code;
 *   MCP clients expect them as JSON-RPC invalid-params errors, which carry ours in `data`.
 *
 * Loaded on the first `/mcp` request, so a gateway that serves none never loads the SDK.
 */
export async function answerMcpMessage(req: IncomingMessage, res: ServerResponse, body: unknown, caller: ToolCaller, options: DataProductToolsOptions): Promise<void> {
  // Refused here with our code, not by the transport (which would answer without one).
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) {
    throw new MeshError(MeshErrorCode.BAD_REQUEST, `Unsupported MCP protocol version; this gateway speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`);
  }
  const refuse = (status: number, id: string | number | null, rpcCode: number, code: MeshErrorCode, message: string) => {
    options.onRejection(code);
    writeJsonRpcError(res, { status, id, rpcCode, code, message });
  };
  if (Array.isArray(body)) {
    refuse(400, null, JsonRpcErrorCode.INVALID_REQUEST, MeshErrorCode.BATCHING_DISABLED, 'JSON-RPC batches are not accepted: send one message per request');
    return;
  }
  const parsed = JSONRPCMessageSchema.safeParse(body);
  if (!parsed.success) {
    refuse(400, null, JsonRpcErrorCode.INVALID_REQUEST, MeshErrorCode.BAD_REQUEST, 'The body is not a JSON-RPC 2.0 message');
    return;
  }
  const message = parsed.data;
  if (isJSONRPCRequest(message) && !SERVED_METHODS.has(message.method)) {
    refuse(200, message.id, JsonRpcErrorCode.METHOD_NOT_FOUND, MeshErrorCode.NOT_FOUND, `No such method; this endpoint serves ${[...SERVED_METHODS].join(', ')}`);
    return;
  }
  if (isJSONRPCRequest(message) && message.method === 'tools/call') {
    const name = message.params?.name;
    // Own keys only: `constructor` or `__proto__` is no tool. The name is not echoed: a client learns the list, not its own input back.
    const shape = typeof name === 'string' && Object.hasOwn(DATA_PRODUCT_TOOLS, name) ? DATA_PRODUCT_TOOLS[name as keyof typeof DATA_PRODUCT_TOOLS] : undefined;
    if (!shape) {
      refuse(200, message.id, JsonRpcErrorCode.INVALID_PARAMS, MeshErrorCode.UNKNOWN_TOOL, `No such tool; this gateway offers ${Object.keys(DATA_PRODUCT_TOOLS).join(', ')}`);
      return;
    }
    // Strict: a key the tool does not take (a misspelt `operation_name`) is refused, not dropped.
    const args = z.strictObject(shape).safeParse(message.params?.arguments ?? {});
    if (!args.success) {
      // Paths and what was expected, never the values given; nor an unknown key, which the client chose.
      const taken = Object.keys(shape).length > 0 ? `only ${Object.keys(shape).join(', ')}` : 'no arguments';
      const problems = args.error.issues
        .map((issue) => (issue.code === 'unrecognized_keys' ? `(arguments): ${name} takes ${taken}` : `${issue.path.join('.') || '(arguments)'}: ${issue.message}`))
        .join('; ');
      refuse(200, message.id, JsonRpcErrorCode.INVALID_PARAMS, MeshErrorCode.BAD_USER_INPUT, `Invalid arguments for ${name}: ${problems}`);
      return;
    }
  }
  const server = new McpServer({ name: 'meshgate', version: GATEWAY_VERSION }, { instructions: INSTRUCTIONS });
  registerDataProductTools(server, caller, options);
  // JSON answers rather than an SSE stream: every tool answers once, and a stream would
  // hold the connection (and a drain on shutdown) for nothing.
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, message);
}
