import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import { planningOf } from './gateway-internals.ts';
import { planOperation } from './requires-argument-aliases.ts';
import type { DocumentNode } from 'graphql';
import type { GatewayContext } from '../gateway-context.ts';
import { RecencyMap } from '../primitives/recency-map.ts';

interface RecentOperation {
  document: DocumentNode;
  operationName: string | undefined;
}

export interface QueryPlanWarmerOptions {
  /** Most recently executed distinct operations re-planned after a reload. */
  maxOperations: number;
  log: (line: string) => void;
}

/**
 * Keeps Apollo Gateway's query-plan cache warm across supergraph reloads. Apollo Gateway
 * throws every plan away when a new supergraph arrives, so after each reload every distinct
 * dashboard query pays for planning again, all at once, on the request path. The warmer
 * remembers the operations most recently executed and, once the new supergraph is in,
 * re-plans them in the background, one per event-loop turn, into the gateway's own cache
 * under the gateway's own keys. An operation the new supergraph cannot plan is skipped: its
 * next request gets the error it would have got anyway.
 */
export class QueryPlanWarmer {
  private readonly recent: RecencyMap<string, RecentOperation>;
  private generation = 0;
  private disabled = false;
  constructor(private readonly options: QueryPlanWarmerOptions) {
    this.recent = new RecencyMap(options.maxOperations);
  }

  /** Records each executed operation, after access pruning, under Apollo's plan-cache key. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        executionDidStart: async ({ request, queryHash, document }) => {
          if (this.disabled) return;
          const key = request.operationName ? createHash('sha256').update(queryHash).update(request.operationName).digest('hex') : queryHash;
          this.recent.set(key, { document, operationName: request.operationName });
        },
      }),
    };
  }

  /** Call when the gateway has loaded a new supergraph. A newer reload supersedes a warm-up under way. */
  async warm(gateway: ApolloGateway): Promise<number> {
    const generation = ++this.generation;
    if (this.disabled || this.recent.size === 0) return 0;
    const planning = planningOf(gateway);
    if (!planning) {
      this.disabled = true;
      this.options.log('query-plan warming is off: this Apollo Gateway version plans differently');
      return 0;
    }
    let warmed = 0;
    // Most recent first: the operations likeliest to come next are planned before the rest.
    for (const [key, operation] of [...this.recent].reverse()) {
      await nextTurn();
      if (generation !== this.generation) return warmed;
      if (await planning.queryPlanStore.get(key)) continue; // a request got there first
      try {
        const plan = planOperation(planning, operation.document, operation.operationName);
        await planning.queryPlanStore.set(key, plan);
        warmed++;
      } catch {
        this.recent.delete(key); // not valid against the new supergraph
      }
    }
    return warmed;
  }
}
