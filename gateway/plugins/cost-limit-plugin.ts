import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayConfig } from '../config.ts';
import type { CostDirectives } from '../../schema/supergraph/cost-directives.ts';
import { CostEstimates } from '../operation/cost-estimator.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';

/**
 * Demand control: every operation's cost is estimated from the supergraph's `@cost` and
 * `@listSize` once it is resolved, before any product is called. `enforce` refuses one
 * over `maxCost` with COST_LIMIT_EXCEEDED; `measure` lets it run and logs it, so a budget
 * can be tuned on real traffic first. The estimate is returned in `extensions.cost`.
 */
export function costLimitPlugin(cost: GatewayConfig['cost'], onSupergraph: OnSupergraph, log: (line: string) => void = console.warn): ApolloServerPlugin<GatewayContext> {
  // Swapped whole on every supergraph (re)load, and taken once per request, so a request sees one consistent set.
  let current: CostDirectives = { typeWeight: new Map(), fieldWeight: new Map(), listSize: new Map() };
  onSupergraph((model) => (current = model.cost));
  const estimates = new CostEstimates();
  return {
    async requestDidStart() {
      const directives = current;
      let estimated: number | undefined;
      return {
        async didResolveOperation({ schema, operation, document, request }) {
          if (!operation) return;
          estimated = estimates.estimate({ schema, directives, document, operation, variables: request.variables ?? {}, defaultListSize: cost.defaultListSize });
          if (estimated <= cost.maxCost) return;
          const message = `Operation cost ${estimated} exceeds the limit of ${cost.maxCost}`;
          if (cost.mode === 'enforce') throw new MeshError(MeshErrorCode.COST_LIMIT_EXCEEDED, message, { endsRequest: true, extensions: { cost: { estimated, max: cost.maxCost } } });
          log(`${MeshErrorCode.COST_LIMIT_EXCEEDED} (measure mode, not refused): ${message}${operation.name ? ` in ${operation.name.value}` : ''}`);
        },
        async willSendResponse({ response }) {
          if (estimated === undefined || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: { estimated, max: cost.maxCost, mode: cost.mode } };
        },
      };
    },
  };
}
