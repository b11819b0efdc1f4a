import * as z from 'zod';
import { CLASSIFICATIONS } from '../../schema/product/descriptor.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayAgreements } from '../../schema/registry/agreements.ts';
import { fetchFromRegistry } from './registry-supergraph.ts';
import { pollSupergraphUrl } from './supergraph-watcher.ts';

/** The registry's agreements document as the gateway accepts it: anything else is refused whole. */
const documentSchema = z.object({
  governed: z.array(z.enum(CLASSIFICATIONS)),
  grants: z.array(
    z.object({
      id: z.number().int(),
      consumer: z.string(),
      application: z.string().min(1),
      product: z.string(),
      classifications: z.array(z.enum(CLASSIFICATIONS)),
      purpose: z.string(),
      endsAt: z.string().refine((value) => Number.isFinite(Date.parse(value)), 'must be a timestamp'),
    }),
  ),
});

function parseAgreements(text: string): GatewayAgreements {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, "The registry's agreements are not JSON");
  }
  const result = documentSchema.safeParse(raw);
  if (!result.success)
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `The registry's agreements are not as expected: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}

/**
 * Access agreements from the registry, as the supergraph comes: read once at start (a
 * registry that cannot answer refuses the start: no agreements known is no access to
 * decide), then polled on the same interval with If-None-Match. A document that cannot be
 * read is refused and the last good one keeps holding; so does a registry that is away.
 * @returns a function that stops polling
 */
export async function watchRegistryAgreements(options: {
  registry: { url: string; token: string };
  intervalMs: number;
  onAgreements(document: GatewayAgreements): void;
  log(line: string): void;
}): Promise<() => void> {
  const endpoint = { url: `${options.registry.url.replace(/\/+$/, '')}/v1/grants`, headers: { authorization: `Bearer ${options.registry.token}` } };
  const first = await fetchFromRegistry(endpoint, 'access agreements');
  options.onAgreements(parseAgreements(first.text));
  return pollSupergraphUrl({
    url: endpoint.url,
    intervalMs: options.intervalMs,
    headers: endpoint.headers,
    etag: first.etag,
    onSdl(text) {
      try {
        options.onAgreements(parseAgreements(text));
      } catch (error) {
        options.log(`${(error as MeshError).code}: refused access agreements from ${endpoint.url}; the last good ones keep holding: ${(error as Error).message}`);
      }
    },
    onError: (error) => options.log(`${MeshErrorCode.SUPERGRAPH_NOT_LOADED}: cannot poll ${endpoint.url}: ${error.message}`),
  });
}
