import { request } from 'undici';
import { UnreachableCaseError } from '../../schema/protocol/error-codes.ts';
import { isUnrouted, noUrlYet } from '../../schema/registry/routing-url.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { ProductTransport } from '../transport/product-transport.ts';

/** One product as `/ready` reports it; `no-url` when nobody has said where it runs (see `noUrlYet`). */
export type ProductReadiness = 'up' | 'down' | 'breaker-open' | 'no-url';

export interface ReadinessReport {
  httpStatus: 200 | 503;
  body: {
    status: 'ready' | 'not-ready';
    reason?: string;
    supergraph: SupergraphState;
    products: Record<string, { state: ProductReadiness; detail?: string }>;
  };
}

/** A health probe must not hold a round as long as a query may take. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Probes every served product's `/health` in the background, one round every
 * `intervalMs`, and keeps the last result. `/ready` is unauthenticated and not rate
 * limited: probing on every call let any caller multiply its traffic onto every product,
 * and made `/ready` as slow as the slowest product. It now answers from what the breakers
 * and the last round know, in bounded time.
 */
export class ProductHealthProber {
  private readonly last = new Map<string, { state: 'up' | 'down'; at: number }>();
  private firstRound: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly options: {
      transport: ProductTransport;
      state: () => SupergraphState;
      urlOf(product: string, supergraphUrl: string): string;
      /** @default 5000 */
      intervalMs?: number;
      now?: () => number;
    },
  ) {}

  /**
   * Starts the rounds; the first runs now. Started by the first `/ready`, not with the
   * gateway: a gateway no orchestrator asks sends its products no probes.
   */
  private start(): void {
    this.firstRound = this.round();
    this.timer = setInterval(() => void this.round(), this.options.intervalMs ?? 5_000);
    // Probing must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether the gateway has no URL for the product: it is neither probed nor reported as down. */
  unrouted(product: string, supergraphUrl: string): boolean {
    return isUnrouted(this.options.urlOf(product, supergraphUrl));
  }

  /** Resolves once the first round is in (starting the rounds), so the first `/ready` does not report guesses. */
  ready(): Promise<void> {
    if (!this.firstRound) this.start();
    return this.firstRound!;
  }

  /**
   * An open breaker is reported as such: the breaker alone decides when the product gets
   * traffic again. Otherwise the last probe, unless a fetch succeeded since: that is newer news.
   */
  stateOf(product: string): ProductReadiness {
    const breaker = this.options.transport.breakers.forProduct(product);
    if (breaker.state.phase !== 'closed') return 'breaker-open';
    const probed = this.last.get(product);
    if (probed && probed.at >= breaker.lastSuccessAt) return probed.state;
    // Not probed yet (a product the last reload added): a fetch that succeeded is all we know.
    return breaker.lastSuccessAt > 0 ? 'up' : 'down';
  }

  private async round(): Promise<void> {
    const state = this.options.state();
    if (this.running || state.phase !== 'serving') return;
    this.running = true;
    try {
      await Promise.all(
        state.subgraphs.map(async ({ name, url }) => {
          if (this.unrouted(name, url)) return;
          const result = await probe(this.options.transport, name, this.options.urlOf(name, url));
          this.last.set(name, { state: result, at: (this.options.now ?? Date.now)() });
        }),
      );
    } finally {
      this.running = false;
    }
  }
}

/**
 * `GET /ready`: whether this replica should get traffic, with each product's state. A
 * product that is down does not make the gateway unready: queries that do not need it
 * are served, and queries that do get partial data. Only a gateway without a supergraph,
 * or one draining for shutdown, is unready.
 */
export async function readinessReport(options: { state: SupergraphState; shuttingDown: boolean; prober: ProductHealthProber }): Promise<ReadinessReport> {
  const { state, prober } = options;
  const products: ReadinessReport['body']['products'] = {};
  let reason: string | undefined;
  switch (state.phase) {
    case 'serving':
      await prober.ready();
      for (const { name, url } of state.subgraphs) products[name] = prober.unrouted(name, url) ? { state: 'no-url', detail: noUrlYet(name) } : { state: prober.stateOf(name) };
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

/** One product's own `/health`, bounded by the probe timeout (and the product's fetch timeout). */
async function probe(transport: ProductTransport, product: string, url: string): Promise<'up' | 'down'> {
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
