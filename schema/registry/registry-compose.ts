import { compositionFailure } from '../contracts/check.ts';
import { composeProducts, type ProductInterface } from '../contracts/compose.ts';
import { safeParseDescriptor } from '../product/descriptor.ts';
import { finding, MESH, type Finding } from '../contracts/finding.ts';
import { parseGovernance } from '../contracts/governance.ts';
import { MeshError } from '../protocol/error-codes.ts';
import { admitSupergraph, STRICTEST_ADMISSION } from '../supergraph/supergraph-admission.ts';
import { unroutedUrl } from './routing-url.ts';

/** A product as a build holds it: its contract and where gateways reach it. */
export interface BuildProduct {
  product: string;
  descriptor: string;
  sdl: string;
  url?: string | undefined;
}

export type ComposedBuild = { ok: true; supergraphSdl: string | undefined } | { ok: false; findings: Finding[] };

/** Composition needs a URL; a product that never gave one is routed nowhere until a gateway's `subgraphUrls` says. */
function routingUrl(name: string, url: string | undefined): string {
  return url ?? unroutedUrl(name);
}

/**
 * The supergraph a registry build would serve: the products composed with governance
 * compiled in, then admitted by the very rules a gateway applies before it serves one
 * (`admitSupergraph`), so the registry never keeps a build that
 * every gateway would refuse at start. Undefined SDL when no product is served yet (drafts only).
 */
export function composeBuild(products: readonly BuildProduct[], governanceText: string): ComposedBuild {
  const governance = parseGovernance(governanceText, 'registry governance');
  const interfaces: ProductInterface[] = products.flatMap((p) => {
    const parsed = safeParseDescriptor(p.descriptor);
    return parsed.ok ? [{ name: p.product, url: routingUrl(p.product, p.url), sdl: p.sdl, descriptor: parsed.descriptor }] : [];
  });
  const composable = new Set(governance.composableStatuses);
  if (!interfaces.some((p) => p.descriptor.status !== 'retired' && composable.has(p.descriptor.status))) return { ok: true, supergraphSdl: undefined };
  const result = composeProducts(interfaces, composable, governance);
  if (!result.ok) return { ok: false, findings: result.errors.map((error) => compositionFailure(MESH, error)) };
  try {
    admitSupergraph(result.supergraphSdl, STRICTEST_ADMISSION);
  } catch (error) {
    if (!(error instanceof MeshError)) throw error;
    return { ok: false, findings: [notServable(error.message)] };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl };
}

function notServable(reason: string): Finding {
  return finding(
    MESH,
    'supergraph',
    'supergraph/not-servable',
    `Every gateway would refuse this build, at start and on reload: ${reason}`,
    'Fix what the reason names in the product SDL; a product may not define or redefine what governance compiles in (our @meshgate__* directives and policies).',
  );
}
