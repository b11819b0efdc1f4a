import type { ApolloGateway } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import type { DocumentNode } from 'graphql';

/** The private method of Apollo Gateway that builds a supergraph, and what it reads, as 2.x has them. */
interface GatewayBuild {
  createSchemaFromSupergraphSdl(supergraphSdl: string): { supergraph: Supergraph; supergraphSdl: string };
  createServices(subgraphs: ReturnType<Supergraph['subgraphsMetadata']>): void;
  config: { validateSupergraph?: boolean };
}

/**
 * Apollo Gateway parses the SDL it is given again before it builds (with locations, which its
 * schema then keeps: on a 200-product supergraph a second parse's CPU and some 30 MB of heap
 * held for as long as it serves). This hands its build the model's own parse of the same SDL
 * instead, when `documentOf` has one; otherwise Apollo parses, as it always did. The rest is
 * Apollo's method as 2.x writes it. Checked at run time, as the planning internals are: if a
 * future Apollo Gateway changes the method, it is left alone, and Apollo parses again.
 *
 * @returns whether the build now takes the model's parse.
 */
export function buildFromModelParse(gateway: ApolloGateway, documentOf: (supergraphSdl: string) => DocumentNode | undefined): boolean {
  const internals = gateway as unknown as Partial<GatewayBuild>;
  const own = internals.createSchemaFromSupergraphSdl;
  if (typeof own !== 'function' || typeof internals.createServices !== 'function' || typeof internals.config !== 'object') return false;
  const build: GatewayBuild['createSchemaFromSupergraphSdl'] = function (this: GatewayBuild, supergraphSdl) {
    const document = documentOf(supergraphSdl);
    if (!document) return own.call(this, supergraphSdl);
    const supergraph = Supergraph.build(document, { validateSupergraph: this.config.validateSupergraph ?? process.env.NODE_ENV !== 'production' });
    this.createServices(supergraph.subgraphsMetadata());
    return { supergraph, supergraphSdl };
  };
  internals.createSchemaFromSupergraphSdl = build;
  return true;
}
