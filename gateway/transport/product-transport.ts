import type { Agent } from '../../schema/base/undici-core.ts';
import type { GatewayConfig } from '../config.ts';
import { CircuitBreakers } from './circuit-breaker.ts';
import { createProductAgent } from './product-request.ts';
import type { RetryOptions } from './retry-policy.ts';

/** What every product's data source shares for the life of the gateway. */
export interface ProductTransport {
  agent: Agent;
  breakers: CircuitBreakers;
  settingsFor(product: string): { timeoutMs: number; retry: RetryOptions };
  /** Share identical in-flight query fetches to a product. */
  dedupe: boolean;
  /** The largest answer read from a product, in bytes (`transport.maxResponseBytes`). */
  maxResponseBytes: number;
}

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
