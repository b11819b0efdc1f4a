import { clientIdentity } from '../primitives/client-identity.ts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelBudget, type LabelBudgetOptions } from './label-budget.ts';

/** Circuit breaker states as the `meshgate_product_breaker_state` gauge reports them. */
export const BreakerStateValue = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * The gateway's Prometheus metrics, served at `GET /metrics`. Each gateway owns its own
 * registry rather than prom-client's global one: tests (and embedders) run several
 * gateways in one process, and a shared registry would mix their counters or throw on
 * registering a name twice.
 *
 * Other concerns record into the instruments here instead of registering their own, so
 * every name is listed in one place:
 * @example metrics.cacheLookups.inc({ product: 'sales', outcome: 'hit' })
 * @example metrics.breakerState.set({ product: 'sales' }, BreakerStateValue.open)
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  /** GraphQL requests by operation name and client (`apollographql-client-name` / `-version`). */
  readonly requests = new Counter({
    name: 'meshgate_requests_total',
    help: 'GraphQL requests by operation, client and outcome (success or error)',
    labelNames: ['operation', 'client', 'client_version', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'meshgate_request_duration_seconds',
    help: 'GraphQL request latency by operation and client',
    labelNames: ['operation', 'client'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** One observation per subgraph fetch; `outcome` is `ok`, `graphql_error` or `failed`. */
  readonly productFetchDuration = new Histogram({
    name: 'meshgate_product_fetch_duration_seconds',
    help: 'Latency of fetches from the gateway to each data product',
    labelNames: ['product', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly productFetchErrors = new Counter({
    name: 'meshgate_product_fetch_errors_total',
    help: 'Fetches to a data product that failed (transport) or returned GraphQL errors',
    labelNames: ['product', 'kind'] as const,
    registers: [this.registry],
  });

  /** Fetches answered by an identical query fetch already in flight (`transport.dedupe`), not sent again. */
  /**
   * Signatures a product refused (HTTP 401), by the reason it gave (PROTOCOL.md 4) and the
   * id of the key the gateway signed with. Every label comes from the gateway's own
   * products, keys and the protocol's closed set of reasons, so the series are bounded.
   */
  readonly productSignatureRefusals = new Counter({
    name: 'meshgate_product_signature_refusals_total',
    help: "Gateway requests a data product refused for their signature, by product, the product's reason and the gateway's key id",
    labelNames: ['product', 'reason', 'key_id'] as const,
    registers: [this.registry],
  });

  readonly productFetchesShared = new Counter({
    name: 'meshgate_product_fetches_shared_total',
    help: 'Subgraph fetches that shared an identical in-flight fetch to the same product instead of sending their own',
    labelNames: ['product'] as const,
    registers: [this.registry],
  });

  /** For the watermark cache (`cache.enabled`). */
  readonly cacheLookups = new Counter({
    name: 'meshgate_cache_lookups_total',
    help: 'Response cache lookups per product by outcome (hit or miss)',
    labelNames: ['product', 'outcome'] as const,
    registers: [this.registry],
  });

  /** For the answer cache (`AnswerCache`). */
  readonly answerCacheLookups = new Counter({
    name: 'meshgate_answer_cache_lookups_total',
    help: 'Whole-answer cache lookups by outcome (hit or miss)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** For inbound request coalescing (`ExecutionSharing`). */
  readonly coalescedRequests = new Counter({
    name: 'meshgate_coalesced_requests_total',
    help: 'Query requests answered by an identical execution already under way',
    registers: [this.registry],
  });

  /** For the transport's circuit breaker; values from {@link BreakerStateValue}. */
  readonly breakerState = new Gauge({
    name: 'meshgate_product_breaker_state',
    help: 'Circuit breaker state per product: 0 closed, 1 half-open, 2 open',
    labelNames: ['product'] as const,
    registers: [this.registry],
  });

  /** Requests refused as a whole (limits, rate limits, auth, bad requests), by error code. */
  readonly rejections = new Counter({
    name: 'meshgate_rejections_total',
    help: 'Requests rejected as a whole, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Every error sent to a client, by code, including partial-data errors. */
  readonly errors = new Counter({
    name: 'meshgate_errors_total',
    help: 'GraphQL errors sent to clients, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly fieldUsage = new Counter({
    name: 'meshgate_field_usage_total',
    help: 'Operations that selected a field (Type.field), by client',
    labelNames: ['coordinate', 'client'] as const,
    registers: [this.registry],
  });

  /** Builds of `/catalog` and `/catalog.json` (`CatalogCache`): one per supergraph, usage flush or watermark, not per request. */
  readonly catalogBuilds = new Counter({
    name: 'meshgate_catalog_builds_total',
    help: 'Builds of the data product catalog served at /catalog and /catalog.json',
    registers: [this.registry],
  });

  /** OpenLineage run events delivered to the collector (`lineage.url`). */
  readonly lineageEventsSent = new Counter({
    name: 'meshgate_lineage_events_sent_total',
    help: 'OpenLineage run events the collector accepted',
    registers: [this.registry],
  });

  /** OpenLineage run events lost: `queue_full` (dropped rather than wait) or `send_failed` (collector down, slow or refusing). */
  readonly lineageEventsDropped = new Counter({
    name: 'meshgate_lineage_events_dropped_total',
    help: 'OpenLineage run events not delivered, by reason (queue_full, send_failed)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Label values or combinations past the label budget, recorded as `other`, by label or metric. */
  readonly labelsFolded = new Counter({
    name: 'meshgate_label_values_folded_total',
    help: 'Observations whose caller-chosen label values (client, version, operation) were past the budget and recorded as "other"',
    labelNames: ['label'] as const,
    registers: [this.registry],
  });

  /** Bounds the label values callers choose; record through it, never raw header values. */
  readonly labels: LabelBudget;

  constructor(options: { processMetrics?: boolean; labels?: Partial<LabelBudgetOptions> } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'meshgate_' });
    this.labels = new LabelBudget({ maxLabelValues: 100, maxLabelCombinations: 500, knownClients: [], ...options.labels }, (label) => this.labelsFolded.inc({ label }));
  }

  /** The exposition text and its content type, for `GET /metrics`. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/** Longest label value a caller can choose; longer ones are cut. */
const MAX_LABEL_LENGTH = 64;

/** The client a request names (see `clientIdentity`) as metric labels; `unknown` when absent. */
export function clientOf(headers: Parameters<typeof clientIdentity>[0]): { client: string; version: string } {
  const { name, version } = clientIdentity(headers);
  // Label values are bounded so a client cannot blow up the series count with a long header.
  const label = (value: string | null) => value?.slice(0, MAX_LABEL_LENGTH) || 'unknown';
  return { client: label(name), version: label(version) };
}

/**
 * The operation a request ran as a label; `anonymous` when unnamed. Cut like the client's:
 * an operation name is only bounded by the body limit, and each kept value lives for the
 * process (label budget) and goes out with every series and lineage event that names it.
 */
export function operationOf(operationName: string | null | undefined): string {
  return operationName?.slice(0, MAX_LABEL_LENGTH) || 'anonymous';
}
