import { request } from 'undici';
import { UnreachableCaseError } from '../../schema/protocol/error-codes.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { ProductTransport } from '../transport/product-data-source.ts';

/** One product as `/ready` reports it. */
export type ProductReadiness = 'up' | 'down' | 'breaker-open';

export interface ReadinessReport {
  httpStatus: 200 | 503;
  body: {
    status: 'ready' | 'not-ready';
    reason?: string;
    supergraph: SupergraphState;
    products: Record<string, { state: ProductReadiness }>;
  };
}

/** A health probe must not hold `/ready` as long as a query may take. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * `GET /ready`: whether this replica should get traffic, with each product's state. A
 * product that is down does not make the gateway unready: queries that do not need it
 * are served, and queries that do get partial data. Only a gateway without a supergraph,
 * or one draining for shutdown, is unready.
 */
export async function readinessReport(options: {
  state: SupergraphState;
  shuttingDown: boolean;
  transport: ProductTransport;
  urlOf(product: string, supergraphUrl: string): string;
}): Promise<ReadinessReport> {
  const { state, transport } = options;
  const products: ReadinessReport['body']['products'] = {};
  let reason: string | undefined;
  switch (state.phase) {
    case 'serving':
      await Promise.all(
        state.subgraphs.map(async ({ name, url }) => {
          products[name] = { state: await productReadiness(transport, name, options.urlOf(name, url)) };
        }),
      );
      break;
    case 'loading':
    case 'failed':
      reason = `supergraph ${state.phase}`;
      break;
    default:
      throw new UnreachableCaseError(state);
  }
  if (options.shuttingDown) reason = 'shutting down';
  return { httpStatus: reason ? 503 : 200, body: { status: reason ? 'not-ready' : 'ready', ...(reason ? { reason } : {}), supergraph: state, products } };
}

/**
 * An open breaker is reported as such without probing: the breaker alone decides when the
 * product gets traffic again. Otherwise the product's own `/health` answers.
 */
async function productReadiness(transport: ProductTransport, product: string, url: string): Promise<ProductReadiness> {
  const breaker = transport.breakers.forProduct(product).state;
  if (breaker.phase !== 'closed') return 'breaker-open';
  try {
    const response = await request(new URL('/health', url), {
      dispatcher: transport.agent,
      signal: AbortSignal.timeout(Math.min(PROBE_TIMEOUT_MS, transport.settingsFor(product).timeoutMs)),
    });
    await response.body.dump();
    return response.statusCode === 200 ? 'up' : 'down';
  } catch {
    return 'down';
  }
}
