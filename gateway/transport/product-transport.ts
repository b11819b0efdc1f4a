import type { GatewayConfig } from '../config.ts';
import { CircuitBreakers } from './circuit-breaker.ts';
import type { ProductTransport } from './product-data-source.ts';
import { createProductAgent } from './product-request.ts';

/**
 * Builds what every product's data source shares: the keep-alive pool, the breakers, and
 * each product's settings (the defaults with its `transport.products` override on top).
 */
export function createProductTransport(config: GatewayConfig['transport']): ProductTransport & { close(): Promise<void> } {
  const settingsFor = (product: string) => {
    const override = config.products[product];
    return {
      timeoutMs: override?.timeoutMs ?? config.timeoutMs,
      retry: { ...config.retry, ...override?.retry },
      breaker: { ...config.breaker, ...override?.breaker },
    };
  };
  const agent = createProductAgent({ connectionsPerProduct: config.connectionsPerProduct, keepAliveTimeoutMs: config.keepAliveTimeoutMs });
  return {
    agent,
    breakers: new CircuitBreakers((product) => settingsFor(product).breaker),
    settingsFor,
    dedupe: config.dedupe,
    maxResponseBytes: config.maxResponseBytes,
    close: () => agent.close(),
  };
}
