import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatewayConfig } from '../config.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { checkDocumentLimits } from '../operation/document-limits.ts';

/**
 * Checks on the HTTP request itself, before Apollo sees it: what every hostile or
 * confused client gets wrong first. Each refusal is a {@link MeshError} whose code sets
 * the HTTP status (405, 415, 400), never a 5xx.
 */

const JSON_MEDIA_TYPE = /^application\/(graphql-response\+)?json\s*(;|$)/i;

/** GraphQL over HTTP is GET (queries only) or POST with a JSON body. */
export function guardMethodAndMediaType(req: IncomingMessage): void {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET') return;
  if (method !== 'POST') throw new MeshError(MeshErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed: use POST (or GET for queries)`);
  const contentType = req.headers['content-type'];
  // Anything but JSON is a "simple" request a browser sends cross-site without preflight:
  // refusing it here is also the first line of CSRF prevention.
  if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new MeshError(MeshErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Type ${contentType ? JSON.stringify(contentType) : '(none)'} is not supported: send application/json`);
  }
}

/** Batching limits: a batch is a JSON array of operations in one POST. */
export function guardBatch(body: unknown, batching: { enabled: boolean; maxOperations: number }): void {
  if (!Array.isArray(body)) return;
  if (!batching.enabled) throw new MeshError(MeshErrorCode.BATCHING_DISABLED, 'Batched requests are disabled: send one operation per request');
  if (body.length > batching.maxOperations) {
    throw new MeshError(MeshErrorCode.BATCH_TOO_LARGE, `Batch of ${body.length} operations exceeds the limit of ${batching.maxOperations}`);
  }
}

/**
 * Runs the document limits on every operation text in the request (GET parameters or
 * the JSON body, batched or not), and refuses a GET that is not a query.
 *
 * A GET is a query, never a mutation: GETs are cached, prefetched and sent cross-site.
 * Apollo refuses GET mutations only after validation, so a schema without a Mutation type
 * would answer "validation failed"; this names the real problem with 405.
 */
export function guardDocuments(req: Pick<IncomingMessage, 'method' | 'url'>, body: unknown, limits: GatewayConfig['limits']): void {
  if ((req.method ?? 'GET').toUpperCase() === 'GET') {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const query = params.get('query');
    if (!query) return;
    const document = checkDocumentLimits(query, limits);
    if (!document) return;
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const name = params.get('operationName');
    const operation = name ? operations.find((op) => op.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
    if (operation && operation.operation !== 'query') {
      throw new MeshError(MeshErrorCode.METHOD_NOT_ALLOWED, `GET requests only support queries; send a ${operation.operation} with POST`);
    }
    return;
  }
  for (const operation of Array.isArray(body) ? body : [body]) {
    const query = typeof operation === 'object' && operation !== null ? (operation as { query?: unknown }).query : undefined;
    // A query that is not a string is Apollo's to refuse, with BAD_REQUEST.
    if (typeof query === 'string') checkDocumentLimits(query, limits);
  }
}

/**
 * The APQ extension's shape. Apollo refuses a bad version or a hash that does not match
 * its query (someone planting a query under another's hash) with a 400 but no code, which
 * clients then see as INTERNAL_SERVER_ERROR; these get BAD_REQUEST.
 */
export function guardPersistedQuery(body: unknown): void {
  for (const operation of Array.isArray(body) ? body : [body]) {
    if (typeof operation !== 'object' || operation === null) continue;
    const { query, extensions } = operation as { query?: unknown; extensions?: { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } };
    const persisted = typeof extensions === 'object' && extensions !== null ? extensions.persistedQuery : undefined;
    if (persisted === undefined) continue;
    if (typeof persisted !== 'object' || persisted === null || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') {
      throw new MeshError(MeshErrorCode.BAD_REQUEST, 'Unsupported persisted query: send extensions.persistedQuery as { version: 1, sha256Hash }');
    }
    if (typeof query === 'string' && createHash('sha256').update(query).digest('hex') !== persisted.sha256Hash) {
      throw new MeshError(MeshErrorCode.BAD_REQUEST, 'The persisted query hash does not match the query');
    }
  }
}
