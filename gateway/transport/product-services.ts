import type { GatewayConfig as ApolloGatewayConfig } from '@apollo/gateway';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { ProductAnswerCache } from './cache-layer.ts';
import { productDataSource, type FetchHooks } from './fetch-pipeline.ts';
import { createProductTransport } from './product-transport.ts';
import type { ProductSigner } from './product-signing-keys.ts';
import type { SignatureRefusals } from './signature-refusals.ts';

/**
 * How the gateway reaches each product: the shared transport, and one data source per
 * product (its fetch layers composed once), at the URL the config overrides or else the
 * supergraph names.
 */
export function createProductServices(options: {
  config: Pick<GatewayConfig, 'transport' | 'subgraphUrls'>;
  signer: ProductSigner;
  metrics: GatewayMetrics;
  cache: ProductAnswerCache | undefined;
  refusals?: SignatureRefusals;
  hooks: FetchHooks;
}) {
  const { config, signer, metrics, cache, refusals, hooks } = options;
  const transport = createProductTransport(config.transport);
  const fetchedUrls = new Map<string, string>();
  /** Where a product is served: the config's override, else the supergraph's URL. */
  const urlOf = <U extends string | undefined>(name: string, supergraphUrl: U): string | U => config.subgraphUrls[name] ?? supergraphUrl;
  const buildService: NonNullable<ApolloGatewayConfig['buildService']> = ({ name, url }) => {
    const fetchedUrl = urlOf(name, url) ?? '';
    fetchedUrls.set(name, fetchedUrl);
    return productDataSource({ product: name, url: fetchedUrl, transport, signer, hooks, metrics, refusals, cache });
  };
  return {
    transport,
    urlOf,
    buildService,
    /** The URL a product's data source fetches from, once Apollo Gateway has built it. */
    fetchedUrl: (name: string): string | undefined => fetchedUrls.get(name),
  };
}
