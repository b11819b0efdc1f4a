import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { operationFromDocument } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';

type FederationOperation = ReturnType<typeof operationFromDocument>;

/**
 * The parts of Apollo Gateway that plan a query, which it keeps private. They are read
 * through this shape and checked at run time: if a future Apollo Gateway changes them, the
 * caller switches itself off (the plan warmer) or refuses to start (our executor) with one
 * clear line instead of breaking requests.
 */
export interface GatewayPlanning {
  /** The API schema, as federation-internals models it: what operations are planned against. */
  apiSchema: Parameters<typeof operationFromDocument>[0];
  queryPlanner: { buildQueryPlan(operation: FederationOperation, options?: object): QueryPlan };
  queryPlanStore: { get(key: string): Promise<QueryPlan | undefined>; set(key: string, value: QueryPlan): Promise<void> };
  /** The whole supergraph (inaccessible types included): what `requires` selections are read against, and where plans are corrected from. */
  supergraphSchema: GraphQLSchema;
}

/** What executing a plan needs besides planning: the schemas and each product's data source. */
export interface GatewayExecutionInternals extends GatewayPlanning {
  /** The API schema as graphql-js models it (with Apollo's extensions): what results are shaped against. */
  schema: GraphQLSchema;
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
}

export function planningOf(gateway: ApolloGateway): GatewayPlanning | undefined {
  const internals = gateway as unknown as Partial<GatewayPlanning>;
  const ok =
    internals.apiSchema &&
    internals.supergraphSchema &&
    typeof internals.queryPlanner?.buildQueryPlan === 'function' &&
    typeof internals.queryPlanStore?.get === 'function' &&
    typeof internals.queryPlanStore.set === 'function';
  return ok ? (internals as GatewayPlanning) : undefined;
}

/** Read after every load: Apollo Gateway replaces each of these when a new supergraph arrives. */
export function executionInternalsOf(gateway: ApolloGateway): GatewayExecutionInternals | undefined {
  const planning = planningOf(gateway);
  const internals = gateway as unknown as Partial<GatewayExecutionInternals>;
  const ok = planning && internals.schema && typeof internals.serviceMap === 'object' && internals.serviceMap !== null;
  return ok ? (internals as GatewayExecutionInternals) : undefined;
}
