import type { ServerResponse } from 'node:http';
import { writeJson } from '../../schema/protocol/apollo-http.ts';
import type { MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** JSON-RPC 2.0's own error codes for what `/mcp` refuses itself. */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
} as const;

/**
 * A JSON-RPC error answer from `/mcp`: the protocol's code for MCP clients, and ours in
 * `error.data.code` (from the one closed set), as every other refusal of the gateway carries it.
 */
export function writeJsonRpcError(res: ServerResponse, answer: { status: number; id: string | number | null; rpcCode: number; code: MeshErrorCode; message: string }): void {
  writeJson(res, answer.status, { jsonrpc: '2.0', id: answer.id, error: { code: answer.rpcCode, message: answer.message, data: { code: answer.code } } });
}
