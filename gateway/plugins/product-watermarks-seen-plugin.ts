import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../gateway-context.ts';

/**
 * Product watermarks seen: the latest `dataAsOf` each product reported in a response, for
 * the catalog, which judges it against the product's SLA freshness.
 */
export class ProductWatermarksSeen {
  private readonly latest = new Map<string, string>();

  observe(product: string, dataAsOf: string): void {
    const current = this.latest.get(product);
    // Keep the newest: an answer served from cache may carry an older watermark.
    if (!current || Date.parse(dataAsOf) > Date.parse(current)) this.latest.set(product, dataAsOf);
  }

  dataAsOf(product: string): string | undefined {
    return this.latest.get(product);
  }
}

/**
 * Reads the product signals responses carry (`extensions.dataProducts: [{ name, dataAsOf }]`)
 * so the catalog can show each product's latest data watermark without asking the products.
 * Without those signals it records nothing and the catalog says "unknown".
 */
export function productWatermarksSeenPlugin(seen: ProductWatermarksSeen): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const signals = response.body.singleResult.extensions?.dataProducts;
          if (!Array.isArray(signals)) return;
          for (const signal of signals as { name?: unknown; dataAsOf?: unknown }[]) {
            if (typeof signal.name === 'string' && typeof signal.dataAsOf === 'string') seen.observe(signal.name, signal.dataAsOf);
          }
        },
      };
    },
  };
}
