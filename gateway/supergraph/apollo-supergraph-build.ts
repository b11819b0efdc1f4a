import { createRequire } from 'node:module';
import type { ApolloGateway } from '@apollo/gateway';
import type * as FederationInternals from '@apollo/federation-internals';
import type { DocumentNode } from 'graphql';

type Supergraph = FederationInternals.Supergraph;

/** The private method of Apollo Gateway that builds a supergraph, and what it reads, as 2.14 has them. */
interface GatewayBuild {
  createSchemaFromSupergraphSdl(supergraphSdl: string): { supergraph: Supergraph; supergraphSdl: string };
  createServices(subgraphs: ReturnType<Supergraph['subgraphsMetadata']>): void;
  config: { validateSupergraph?: boolean };
}

/**
 * Apollo Gateway's own copy of federation-internals, as it resolves it: after a gateway upgrade
 * npm may nest a second copy under the gateway, and a Supergraph built by ours would then be
 * handed to code that checks `instanceof` against its own.
 */
const fromGateway = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const { Supergraph: GatewaySupergraph } = fromGateway('@apollo/federation-internals') as typeof FederationInternals;
const installedGatewayVersion = gatewayVersionOf(fromGateway);

/** The version the gateway's package.json states, beside its entry's folder; none when a later layout moved either. */
function gatewayVersionOf(load: NodeJS.Require): string | undefined {
  try {
    const { version } = load('../package.json') as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    // No package.json where 2.14 keeps it: not the gateway whose method was read.
    return undefined;
  }
}

/** The gateway versions whose `createSchemaFromSupergraphSdl` was read and is restated below. */
const VERIFIED_GATEWAY_VERSION = /^2\.14\.\d+$/;

/**
 * Apollo Gateway parses the SDL it is given again before it builds (with locations, which its
 * schema then keeps: on a 200-product supergraph a second parse's CPU and some 30 MB of heap
 * held for as long as it serves). This hands its build the model's own parse of the same SDL
 * instead, when `documentOf` has one; otherwise Apollo parses, as it always did. The rest is
 * Apollo's method as 2.14 writes it, so only a gateway of a version whose method was read is
 * touched: another version, or one without the method, is left alone, and Apollo parses again.
 *
 * @returns whether the build now takes the model's parse.
 */
export function buildFromModelParse(gateway: ApolloGateway, documentOf: (supergraphSdl: string) => DocumentNode | undefined, gatewayVersion: string | undefined = installedGatewayVersion): boolean {
  if (gatewayVersion === undefined || !VERIFIED_GATEWAY_VERSION.test(gatewayVersion)) return false;
  const internals = gateway as unknown as Partial<GatewayBuild>;
  const own = internals.createSchemaFromSupergraphSdl;
  if (typeof own !== 'function' || typeof internals.createServices !== 'function' || typeof internals.config !== 'object') return false;
  const build: GatewayBuild['createSchemaFromSupergraphSdl'] = function (this: GatewayBuild, supergraphSdl) {
    const document = documentOf(supergraphSdl);
    if (!document) return own.call(this, supergraphSdl);
    const supergraph = GatewaySupergraph.build(document, { validateSupergraph: this.config.validateSupergraph ?? process.env.NODE_ENV !== 'production' });
    this.createServices(supergraph.subgraphsMetadata());
    return { supergraph, supergraphSdl };
  };
  internals.createSchemaFromSupergraphSdl = build;
  return true;
}
