import type { ServerResponse } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { SubsequentPayload } from '../execution/incremental-delivery.ts';

/**
 * Incremental delivery over HTTP as Apollo Router, Apollo Server and Hive Gateway speak it
 * (deferSpec=20220824): `multipart/mixed; boundary="-"; deferSpec=20220824`, the first part
 * `{data, errors?, extensions?, hasNext: true}`, then `{incremental: [{data, path, label?,
 * errors?}], hasNext, extensions?}` per deferred block as it completes, the last with
 * `hasNext: false` and the closing boundary.
 */
const DEFER_SPEC = '20220824';
const PART_HEADER = 'content-type: application/json; charset=utf-8\r\n\r\n';

/** Whether an Accept header takes `multipart/mixed` with `deferSpec=20220824` (and a quality above zero). */
export function acceptsDeferredParts(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((piece) => piece.trim().toLowerCase());
    if (type !== 'multipart/mixed') return false;
    const values = new Map(params.map((param) => param.split('=').map((piece) => piece.trim().replace(/^"|"$/g, '')) as [string, string]));
    return values.get('deferspec') === DEFER_SPEC && values.get('q') !== '0';
  });
}

/** A payload after the first, as the client receives it: errors masked and named, product signals for its own fetches. */
export interface FinishedPayload {
  incremental?: { data: unknown; path: (string | number)[]; label?: string; errors?: GraphQLFormattedError[] }[];
  hasNext: boolean;
  extensions?: Record<string, unknown>;
}

/**
 * Writes Apollo's answer as the first part and each deferred payload after it. The first
 * part has been through every Apollo plugin already; `finish` does for each later one what
 * the plugins do for an answer (masking, request id, product signals).
 */
export async function writeMultipartResponse(
  res: ServerResponse,
  first: HTTPGraphQLResponse,
  parts: AsyncIterable<SubsequentPayload>,
  finish: (payload: SubsequentPayload) => FinishedPayload,
): Promise<void> {
  for (const [name, value] of first.headers) if (name !== 'content-length') res.setHeader(name, value);
  res.setHeader('content-type', `multipart/mixed; boundary="-"; deferSpec=${DEFER_SPEC}`);
  res.statusCode = first.status ?? 200;
  const text = first.body.kind === 'complete' ? first.body.string : '{}';
  // Apollo's answer is one JSON object: hasNext goes in before its closing brace.
  res.write(`\r\n---\r\n${PART_HEADER}${text.slice(0, text.lastIndexOf('}'))},"hasNext":true}\r\n---\r\n`);
  for await (const payload of parts) {
    if (res.destroyed) return; // the client went away; the blocks still running finish unread
    res.write(`${PART_HEADER}${JSON.stringify(finish(payload))}\r\n---${payload.hasNext ? '' : '--'}\r\n`);
  }
  res.end();
}
