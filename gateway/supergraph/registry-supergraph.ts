import type { Dispatcher } from 'undici';
import { request } from '../../schema/base/undici-core.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** How long a read of the registry waits: the first at start, and each poll at least. */
export const REGISTRY_READ_TIMEOUT_MS = 10_000;

/** Where a registry serves its current build's supergraph, and the header that lets a gateway read it. */
export function registrySupergraphEndpoint(registry: { url: string; token: string }): { url: string; headers: Record<string, string> } {
  return { url: `${registry.url.replace(/\/+$/, '')}/v1/supergraph`, headers: { authorization: `Bearer ${registry.token}` } };
}

/**
 * The first supergraph of a gateway that serves from a registry. There is no last good one
 * yet, so a registry that cannot answer ends the start with one clear line.
 */
export function fetchRegistrySupergraph(registry: { url: string; token: string }): Promise<{ sdl: string; etag: string | undefined }> {
  return fetchFromRegistry(registrySupergraphEndpoint(registry), 'supergraph').then(({ text, etag }) => ({ sdl: text, etag }));
}

/** A first read of a document the gateway then polls (the supergraph, the agreements); refused with SUPERGRAPH_NOT_LOADED naming what was missing. */
export async function fetchFromRegistry(endpoint: { url: string; headers: Record<string, string> }, what: string): Promise<{ text: string; etag: string | undefined }> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(endpoint.url, { headers: endpoint.headers, signal: AbortSignal.timeout(REGISTRY_READ_TIMEOUT_MS) });
  } catch (error) {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_NOT_LOADED, `Cannot reach the registry at ${endpoint.url}: ${(error as Error).message}`);
  }
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    let reason = `HTTP ${response.statusCode}`;
    try {
      const { error } = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (error?.code) reason = `${error.code}: ${error.message ?? ''}`;
    } catch {
      // Not the registry's envelope: the status says enough.
    }
    throw new MeshError(MeshErrorCode.SUPERGRAPH_NOT_LOADED, `The registry at ${endpoint.url} gave no ${what} (${reason})`);
  }
  const etag = response.headers.etag;
  return { text, etag: typeof etag === 'string' ? etag : undefined };
}
