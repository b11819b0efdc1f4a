import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { WatermarkCache } from './cache/watermark-cache.ts';
import type { ProductWatermarkSource } from './catalog/catalog-data.ts';
import type { GatewayInterface } from './execution/gateway-contract.ts';
import type { GatewayContext } from './gateway-context.ts';
import type { GatewayMetrics } from './observability/metrics.ts';
import type { SharedStateStore } from './shared-state/key-value-store.ts';
import type { SupergraphState } from './supergraph/supergraph-source.ts';

/** What `startGateway` hands back, and what it can be given besides the config. */
export interface RunningGateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  readonly state: () => SupergraphState;
  readonly apollo: ApolloServer<GatewayContext>;
  /** Persisted queries, caches and rate limits: Redis when configured, else memory. */
  readonly sharedState: SharedStateStore;
  /** The watermark cache, when `cache.enabled`: its hit and miss counts. */
  readonly cache: WatermarkCache | undefined;
  /** Prometheus instruments served at `/metrics`; other concerns record into them. */
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The clock freshness is judged by (tests). @default Date.now */
  now?: () => number;
  /** Where the gateway logs. @default the process logger (`logger`) */
  logger?: Logger;
  /** The random source `percent(N)` override labels are drawn from (tests). @default Math.random */
  random?: () => number;
  /** Where the catalog reads product watermarks. @default watermarks seen in responses' `extensions.dataProducts` */
  watermarks?: ProductWatermarkSource;
  /**
   * Who executes the query plans Apollo Gateway makes. Only the differential test gives
   * another: Apollo Gateway's own executor, the oracle ours is compared against.
   * @default meshgate's plan executor
   */
  executor?: (gateway: ApolloGateway) => GatewayInterface;
}
