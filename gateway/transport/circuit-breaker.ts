import { UnreachableCaseError } from '../../schema/protocol/error-codes.ts';

/** Tuning of one product's circuit breaker. */
export interface BreakerOptions {
  /** Consecutive failed fetches that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker fails fast before it lets one probe through. */
  openMs: number;
}

/**
 * Where a product's breaker is. A union on `phase` (like Apollo's `ServerState`) so every
 * switch over it is exhaustive: closed counts failures, open fails fast until `retryAt`,
 * half-open has let exactly one probe through and waits for its outcome.
 */
export type BreakerState =
  | { phase: 'closed'; consecutiveFailures: number; lastOutcome: 'none' | 'success' | 'failure' }
  | { phase: 'open'; retryAt: number; openedCount: number }
  | { phase: 'half-open'; openedCount: number };

/**
 * A per-product circuit breaker. A product that keeps failing gets no more traffic for a
 * while, so the gateway answers fast (PRODUCT_UNAVAILABLE) instead of queueing requests
 * behind timeouts, and the product gets room to recover. After `openMs` one request is
 * let through as a probe: its success closes the breaker, its failure reopens it.
 */
export class CircuitBreaker {
  private current: BreakerState = { phase: 'closed', consecutiveFailures: 0, lastOutcome: 'none' };

  constructor(
    readonly product: string,
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    // An open breaker whose wait is over reports half-open even before a probe arrives,
    // so /ready shows that the next request will probe.
    if (this.current.phase === 'open' && this.now() >= this.current.retryAt) return { phase: 'half-open', openedCount: this.current.openedCount };
    return this.current;
  }

  /** Whether a fetch may go out now. In half-open, only the first caller (the probe) may. */
  tryAcquire(): boolean {
    const state = this.current;
    switch (state.phase) {
      case 'closed':
        return true;
      case 'open':
        if (this.now() < state.retryAt) return false;
        this.current = { phase: 'half-open', openedCount: state.openedCount };
        return true;
      case 'half-open':
        return false; // a probe is already out
      default:
        throw new UnreachableCaseError(state);
    }
  }

  /** When a fetch last succeeded (epoch ms; 0: never): newer news of the product than an older health probe. */
  lastSuccessAt = 0;

  recordSuccess(): void {
    this.lastSuccessAt = this.now();
    this.current = { phase: 'closed', consecutiveFailures: 0, lastOutcome: 'success' };
  }

  recordFailure(): void {
    const state = this.current;
    switch (state.phase) {
      case 'closed': {
        const consecutiveFailures = state.consecutiveFailures + 1;
        this.current =
          consecutiveFailures >= this.options.failureThreshold
            ? { phase: 'open', retryAt: this.now() + this.options.openMs, openedCount: 1 }
            : { phase: 'closed', consecutiveFailures, lastOutcome: 'failure' };
        return;
      }
      case 'half-open':
      case 'open':
        // A failed probe (or a straggler that left before the breaker opened) reopens it.
        this.current = { phase: 'open', retryAt: this.now() + this.options.openMs, openedCount: state.openedCount + 1 };
        return;
      default:
        throw new UnreachableCaseError(state);
    }
  }
}

/**
 * One breaker per product, for the life of the gateway. Apollo Gateway builds new data
 * sources when a reloaded supergraph changes a product's URL; the breaker must outlive
 * them, or a reload would hide a product that is down.
 */
export class CircuitBreakers {
  private readonly byProduct = new Map<string, CircuitBreaker>();

  constructor(private readonly optionsFor: (product: string) => BreakerOptions) {}

  forProduct(product: string): CircuitBreaker {
    let breaker = this.byProduct.get(product);
    if (!breaker) {
      breaker = new CircuitBreaker(product, this.optionsFor(product));
      this.byProduct.set(product, breaker);
    }
    return breaker;
  }
}
