import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.ts';
import type { QueryPlanWarmer } from '../execution/query-plan-warmer.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { AgreementAccess } from '../access/agreement-access.ts';
import type { OnSupergraph } from '../supergraph/supergraph-source.ts';
import { accessPolicyPlugin } from './access-policy-plugin.ts';
import { costLimitPlugin } from './cost-limit-plugin.ts';
import { deferPlugin } from './defer-plugin.ts';
import { errorMaskingPlugin } from './error-masking-plugin.ts';
import { fieldUsagePlugin } from './field-usage-plugin.ts';
import { introspectionPlugin } from './introspection-plugin.ts';
import { loggingPlugin } from './logging-plugin.ts';
import { metricsPlugin } from './metrics-plugin.ts';
import type { LineageEmitter } from '../observability/openlineage-emitter.ts';
import { openLineagePlugin, type CapturedOperation } from './openlineage-plugin.ts';
import { operationResolutionPlugin } from './operation-resolution-plugin.ts';
import { overrideLabelsPlugin } from './override-labels-plugin.ts';
import { previewGatePlugin } from './preview-gate-plugin.ts';
import { productWatermarksSeenPlugin, type ProductWatermarksSeen } from './product-watermarks-seen-plugin.ts';
import { productSignalsPlugin } from './product-signals-plugin.ts';
import { requestIdPlugin } from './request-id-plugin.ts';
import { requestLimitsPlugin } from './request-limits-plugin.ts';

/**
 * The gateway's Apollo plugins, one per concern, in the order a request meets them. Plugins
 * sharing a hook run in this order: the first to throw is the error the client gets, and a
 * later one sees what an earlier one changed. Where a hook forces another order, the line
 * says why.
 */
export function gatewayPlugins(
  config: GatewayConfig,
  deps: {
    logger: Logger;
    metrics: GatewayMetrics;
    usage: FieldUsageStore | undefined;
    /** The safelist, when one is configured (`persistedOperations`). */
    persisted: ApolloServerPlugin<GatewayContext> | undefined;
    planWarmer: QueryPlanWarmer | undefined;
    watermarksSeen: ProductWatermarksSeen;
    now: (() => number) | undefined;
    /** OpenLineage run events, when `lineage.url` is set. */
    lineage: LineageEmitter<CapturedOperation> | undefined;
    /** The draw for `percent(N)` override labels. */
    random?: () => number;
    /** Access agreements, when enforced (`AgreementAccess`). */
    agreements?: AgreementAccess | undefined;
    /** Hands a plugin the model of every supergraph the gateway serves: read once per load for all of them. */
    onSupergraph: OnSupergraph;
  },
): ApolloServerPlugin<GatewayContext>[] {
  return [
    config.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
    // Is the operation admissible at all: shape (documents sent by hash), which operation, introspection, safelist.
    requestLimitsPlugin(config.limits),
    operationResolutionPlugin(),
    // Reads the operation as the client sent it: limits and a refusal come before access prunes it.
    deferPlugin(config.limits),
    // Which progressive @override labels are on: decided before anything is planned or shared.
    overrideLabelsPlugin(config.override, deps.onSupergraph, deps.random),
    introspectionPlugin({ enabled: config.introspection }),
    ...(deps.persisted ? [deps.persisted] : []),
    // Signals note deprecated fields as asked, so they come before access prunes the document.
    productSignalsPlugin({ now: deps.now }),
    // The preview gate answers before access: to a caller who has not opted in a preview
    // field does not exist, so access must not refuse it by name and scope (FORBIDDEN_FIELD
    // would tell that caller the field is there and what reading it takes).
    previewGatePlugin(config.preview, deps.onSupergraph),
    accessPolicyPlugin({ mode: config.access.mode, agreements: deps.agreements, onSupergraph: deps.onSupergraph }),
    // Costs what access left of the operation: denied fields are never fetched.
    ...(config.cost.mode === 'off' ? [] : [costLimitPlugin(config.cost, deps.onSupergraph)]),
    fieldUsagePlugin(deps.metrics, deps.usage, { trustedClients: config.usage.trustedClients }),
    ...(deps.planWarmer ? [deps.planWarmer.plugin()] : []),
    // On the answer: access has put in its FORBIDDEN_FIELD errors above; masking then sees
    // every error, the request id is stamped after it (so it survives), and metrics and
    // logs count the codes the client receives.
    errorMaskingPlugin({ exposeDetails: config.exposeErrorDetails }),
    requestIdPlugin(),
    metricsPlugin(deps.metrics),
    loggingPlugin(deps.logger),
    // Reads the `extensions.dataProducts` signals wrote above.
    productWatermarksSeenPlugin(deps.watermarksSeen),
    // Last: it reads the fields access left (didResolveOperation) and the signals and
    // masked errors the client receives (willSendResponse).
    ...(deps.lineage ? [openLineagePlugin(deps.lineage, { sampleRate: config.lineage.sampleRate, metrics: deps.metrics, onSupergraph: deps.onSupergraph })] : []),
  ];
}
