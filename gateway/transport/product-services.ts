import type { GatewayConfig as ApolloGatewayConfig } from '@apollo/gateway';
import { CachingProductDataSource } from '../cache/caching-data-source.ts';
import type { WatermarkCache } from '../cache/watermark-cache.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { ProductDataSource } from './product-data-source.ts';
import { createProductTransport } from './product-transport.ts';
import type { ProductSigner } from './product-signing-keys.ts';
import type { SignatureRefusals } from './signature-refusals.ts';

/**
 * How the gateway reaches each product: the shared transport, and one data
 * source per product (answering from the freshness cache when there is one), at the URL
 * the config overrides or else the supergraph names.
 */
export function createProductServices(options: {
  config: Pick<GatewayConfig, 'transport' | 'subgraphUrls'>;
  signer: ProductSigner;
  metrics: GatewayMetrics;
  cache: WatermarkCache | undefined;
  refusals?: SignatureRefusals;
}) {
  const { config, signer, metrics, cache, refusals } = options;
  const transport = createProductTransport(config.transport);
  const fetchedUrls = new Map<string, string>();
  /** Where a product is served: the config's override, else the supergraph's URL. */
  const urlOf = <U extends string | undefined>(name: string, supergraphUrl: U): string | U => config.subgraphUrls[name] ?? supergraphUrl;
  const buildService: NonNullable<ApolloGatewayConfig['buildService']> = ({ name, url }) => {
    const source = { product: name, url: urlOf(name, url) ?? '', transport, signer, metrics, refusals };
    fetchedUrls.set(name, source.url);
    return cache ? new CachingProductDataSource({ ...source, cache }) : new ProductDataSource(source);
  };
  return {
    transport,
    urlOf,
    buildService,
    /** The URL a product's data source fetches from, once Apollo Gateway has built it. */
    fetchedUrl: (name: string): string | undefined => fetchedUrls.get(name),
  };
}
