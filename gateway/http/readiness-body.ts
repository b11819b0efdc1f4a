import type { ReadinessReport } from './readiness.ts';

/** What `/ready` answers by default: ready or not, why not, and each product up or down. */
export interface PublicReadiness {
  status: ReadinessReport['body']['status'];
  reason?: string;
  products: Record<string, { state: ReadinessReport['body']['products'][string]['state'] }>;
}

/**
 * The body `/ready` sends. Anyone who can reach the gateway can ask, so by default it says
 * only what a load balancer acts on: each product's state by name, never its URL, and no
 * supergraph details (source path, hash, subgraph URLs, the error a refused reload got).
 * With `readiness.details` on, operators get the whole report.
 *
 * Each product entry is rebuilt from its `state` alone, so a field added to the report
 * later stays out of the public body until it is added here on purpose.
 */
export function readinessBody(report: ReadinessReport, options: { details: boolean }): PublicReadiness | ReadinessReport['body'] {
  if (options.details) return report.body;
  const { status, reason, products } = report.body;
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    products: Object.fromEntries(Object.entries(products).map(([name, product]) => [name, { state: product.state }])),
  };
}
