import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { httpStatusOf, MeshError, MeshErrorCode } from './error-codes.ts';

/**
 * The bridge between Node's `http` module and Apollo Server's framework-neutral
 * `executeHTTPGraphQLRequest`. The gateway and every data product serve through it, so
 * body limits, JSON errors and response writing behave the same everywhere.
 */

/** Reads a request body, refusing more than `limitBytes` before buffering it all. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume(); // drain so the socket can be reused
    throw new MeshError(MeshErrorCode.BODY_TOO_LARGE, `Request body exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      req.resume();
      throw new MeshError(MeshErrorCode.BODY_TOO_LARGE, `Request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body when the content type says JSON; other bodies pass through as text. */
export function parseRequestBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (!contentType || !/^application\/(graphql-response\+)?json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new MeshError(MeshErrorCode.BAD_REQUEST, 'Request body is not valid JSON');
  }
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export async function executeApollo<TContext extends BaseContext>(server: ApolloServer<TContext>, req: IncomingMessage, body: unknown, context: () => Promise<TContext>): Promise<HTTPGraphQLResponse> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  return server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers: toHeaderMap(req), search: url.search, body },
    context,
  });
}

export async function writeApolloResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    // Encoded once, here. JSON.stringify returns a large answer as a rope, and written as a
    // string it was walked three times: flattened to measure its length, joined to the
    // response head, and encoded at the write (the length alone was 7% of the gateway's busy
    // time under the federation benchmark, 88 KB answers). As bytes with their length, the
    // head and the body go out as two pieces of one writev, never as chunked frames.
    const body = Buffer.from(response.body.string, 'utf8');
    if (!res.hasHeader('content-length')) res.setHeader('content-length', body.length);
    res.end(body);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The body of a GraphQL-shaped error response. */
export function errorBody(code: MeshErrorCode, message: string, extensions: Record<string, unknown> = {}): { errors: { message: string; extensions: Record<string, unknown> }[] } {
  return { errors: [{ message, extensions: { code, ...extensions } }] };
}

/** A GraphQL-shaped error response for a request rejected before it reached Apollo. */
export function writeError(res: ServerResponse, code: MeshErrorCode, message: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  writeJson(res, httpStatusOf(code), errorBody(code, message, extensions), headers);
}

/** A thrown error as code and message: a {@link MeshError} keeps its own, anything else is masked. */
export function thrownError(error: unknown): { code: MeshErrorCode; message: string } {
  return error instanceof MeshError ? { code: error.code, message: error.message } : { code: MeshErrorCode.INTERNAL_SERVER_ERROR, message: 'Unexpected error.' };
}

/**
 * Writes a thrown error: a {@link MeshError} keeps its code, anything else is masked. A
 * refused signature keeps its `reason` and `keyId` too, so the gateway can say why.
 */
export function writeThrown(res: ServerResponse, error: unknown): void {
  const { code, message } = thrownError(error);
  const { reason, keyId } = error instanceof MeshError ? error.extensions : {};
  writeError(res, code, message, { ...(typeof reason === 'string' ? { reason } : {}), ...(typeof keyId === 'string' ? { keyId } : {}) });
}
