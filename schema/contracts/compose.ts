import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { compileSubgraph } from './contract-compiler.ts';
import { loadDescriptor, type ProductDescriptor, type ProductStatus } from '../product/descriptor.ts';
import { loadGovernance, type Governance } from './governance.ts';

/** One product as composition sees it: its interface and where it is served. */
export interface ProductInterface {
  name: string;
  url: string;
  sdl: string;
  descriptor: ProductDescriptor;
}

export type CompositionResult = { ok: true; supergraphSdl: string; included: string[]; excluded: { name: string; status: ProductStatus }[] } | { ok: false; errors: string[] };

/** Statuses whose products are served by the production supergraph, from `schema/governance.yaml`. */
const COMPOSABLE_STATUSES: ReadonlySet<ProductStatus> = new Set(loadGovernance().composableStatuses);

export function readProductInterface(dir: string, url: string): ProductInterface {
  const descriptor = loadDescriptor(join(dir, 'product.yaml'));
  return { name: descriptor.name, url, sdl: readFileSync(join(dir, 'schema.graphql'), 'utf8'), descriptor };
}

/**
 * Composes products into a supergraph with Apollo's composition. Draft and proposed
 * products are not served yet and retired ones no longer are, so they are left out.
 * Governance and each descriptor are compiled into the products' SDL first, so the
 * supergraph carries the whole contract: access directives, classifications, metadata.
 */
export function composeProducts(products: readonly ProductInterface[], statuses: ReadonlySet<ProductStatus> = COMPOSABLE_STATUSES, governance: Governance = loadGovernance()): CompositionResult {
  // Retired products are removed whatever a caller passes: they promise nothing any more.
  const served = (product: ProductInterface) => product.descriptor.status !== 'retired' && statuses.has(product.descriptor.status);
  const included = products.filter(served);
  const excluded = products.filter((product) => !served(product)).map((p) => ({ name: p.name, status: p.descriptor.status }));
  const services = [];
  const errors: string[] = [];
  for (const product of included) {
    const compiled = compileSubgraph(product.sdl, product.descriptor, governance);
    // Prefixed as Apollo prefixes its own errors, so `meshgate check` files them under the product.
    if (compiled.ok) services.push({ name: product.name, url: product.url, typeDefs: compiled.document });
    else errors.push(...compiled.errors.map((error) => `[${product.name}] ${error}`));
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map((error) => error.message) };
  return { ok: true, supergraphSdl: result.supergraphSdl, included: included.map((p) => p.name), excluded };
}

export function writeSupergraph(path: string, supergraphSdl: string): void {
  writeFileSync(path, supergraphSdl.endsWith('\n') ? supergraphSdl : `${supergraphSdl}\n`);
}
