import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { registerTracingFromEnv } from '../schema/protocol/trace-propagation.ts';
import { RegistryClient } from '../schema/registry/registry-client.ts';
import { AgreementAccess } from './access/agreement-access.ts';
import { assertCallersCanBeServed, createAuthenticator } from './access/authentication.ts';
import { CallerViews } from './access/caller-view.ts';
import { withDevIdentity } from './access/dev-identity.ts';
import { forwardedClaims, forwardedClaimsKey } from './access/forwarded-claims.ts';
import { openCaches } from './cache/open-caches.ts';
import { CatalogCache } from './catalog/catalog-cache.ts';
import { catalogRoute } from './catalog/catalog-route.ts';
import type { GatewayConfig } from './config.ts';
import { ExecutionSharing, type ExecutionAnswer } from './execution/execution-sharing.ts';
import { withPlanExecutor } from './execution/plan-executor.ts';
import { QueryPlanWarmer } from './execution/query-plan-warmer.ts';
import type { GatewayContext } from './gateway-context.ts';
import { graphqlPipeline, graphqlRoute, headersOf } from './http/graphql-route.ts';
import { hostGuard } from './http/host-guard.ts';
import { takeRateLimitToken } from './http/rate-limiter.ts';
import { ProductHealthProber, readinessReport } from './http/readiness.ts';
import { gatewayRoutes, routeRequests } from './http/routes.ts';
import { serveHttp } from './http/server.ts';
import { isExplorerRequest, serveExplorer } from './http/explorer/serve-explorer.ts';
import { mcpRoute } from './mcp/mcp-route.ts';
import { openUsageStore } from './observability/field-usage-store.ts';
import { logger as defaultLogger } from './observability/logger.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { openLineageEmitter } from './observability/openlineage-emitter.ts';
import { forwardRequestId } from './observability/request-id.ts';
import { gatewayPlugins } from './plugins/gateway-plugins.ts';
import { capturedRunEvent } from './plugins/openlineage-plugin.ts';
import { persistedOperations } from './plugins/persisted-operations-plugin.ts';
import { ProductWatermarksSeen } from './plugins/product-watermarks-seen-plugin.ts';
import { Singleflight } from './primitives/singleflight.ts';
import { openSharedState } from './shared-state/open-shared-state.ts';
import { declareEnforcedSecurityFeatures } from '../schema/supergraph/enforced-security-features.ts';
import { admitModel, ungovernedFields } from '../schema/supergraph/supergraph-admission.ts';
import { watchRegistryAgreements } from './supergraph/agreement-source.ts';
import { buildFromModelParse } from './supergraph/apollo-supergraph-build.ts';
import { FileSupergraphSource } from './supergraph/supergraph-source.ts';
import { fetchRegistrySupergraph, registrySupergraphEndpoint } from './supergraph/registry-supergraph.ts';
import { RegistryUsageStore } from './observability/registry-usage-store.ts';
import { createProductServices } from './transport/product-services.ts';
import { openProductSigner } from './transport/product-signing-keys.ts';
import { SignatureRefusals } from './transport/signature-refusals.ts';
import type { GatewayOptions, RunningGateway } from './running-gateway.ts';

export type { GatewayOptions, RunningGateway };

/**
 * The composition root. `startGateway` reads as the table of contents; the functions after
 * it follow one request from the socket to a product, in that order (the life-cycle document
 * tells the same path): the HTTP doors, the GraphQL pipeline and Apollo with its plugins, the
 * executor, the product fetch; then what all of them stand on, the supergraph and its
 * governance. Each part is built before the part that calls it, so the calls below run
 * bottom-up while the file reads top-down.
 */
export async function startGateway(given: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? defaultLogger;
  // Before anything is opened: a gateway that would refuse every caller does not start.
  assertCallersCanBeServed(given);
  const config = await withDevIdentity(given);
  const ground = await openGround(config, options, logger);
  const products = productFetch(config, ground, logger);
  const executing = await executor(config, ground, products, options, logger);
  const http = await httpDoors(config, ground, products, executing, options, logger);
  return {
    url: http.url,
    port: http.port,
    state: () => ground.source.state,
    apollo: executing.apollo,
    sharedState: ground.sharedState,
    cache: products.caches.products,
    metrics: ground.metrics,
    close: async () => {
      await http.shutdown.drain();
      http.prober.stop();
      await executing.apollo.stop();
      await executing.release();
    },
  };
}

type Ground = Awaited<ReturnType<typeof openGround>>;
type Products = ReturnType<typeof productFetch>;
type Executing = Awaited<ReturnType<typeof executor>>;

/**
 * 1-3. The socket, the routes and the GraphQL pipeline: host guard and rate limit in the
 * router, then each door (`/graphql`, `/mcp`, the catalog, operations routes) and the one
 * pipeline into the graph that `/graphql` and `/mcp` share.
 */
async function httpDoors(config: GatewayConfig, ground: Ground, products: Products, executing: Executing, options: GatewayOptions, logger: Logger) {
  const { metrics, source, sharedState, agreements, views, usage, watermarksSeen } = ground;
  const authenticate = createAuthenticator(config.auth, { applicationClaim: config.agreements.applicationClaim });
  const pipeline = graphqlPipeline({ apollo: executing.apollo, config, authenticate });
  const state = () => source.state;
  // /ready answers from the last probe round, never by probing on the caller's time.
  const prober = new ProductHealthProber({ transport: products.services.transport, state, urlOf: products.services.urlOf });
  const { rateLimit } = config;
  // The rate limit keys on whom a token verifiably names; a refused token names nobody (its address's bucket).
  const verifiedPrincipal = (req: IncomingMessage) => authenticate(headersOf(req)).catch(() => undefined);
  // One cache for /catalog and /mcp's descriptions: a build is costly.
  const catalog = views ? new CatalogCache({ meshRoot: config.catalog.meshRoot, watermarks: options.watermarks ?? watermarksSeen, usage, onBuild: () => metrics.catalogBuilds.inc() }) : undefined;
  const http = await serveHttp({
    port: config.port,
    host: config.host,
    drainTimeoutMs: config.shutdown.drainTimeoutMs,
    handler: (shutdown) =>
      routeRequests(
        gatewayRoutes({
          state,
          ready: () => readinessReport({ state: source.state, shuttingDown: shutdown.shuttingDown, prober }),
          readinessDetails: config.readiness.details,
          metrics,
          catalog: config.catalog.enabled && catalog && views ? catalogRoute({ cache: catalog, state, views, authenticate, agreements }) : undefined,
          explorer: config.explorer ? { when: (url, req) => isExplorerRequest(req, url.pathname), handle: (req, res, url) => serveExplorer(req, res, url.pathname, config) } : undefined,
          sandbox: config.sandbox,
          graphql: graphqlRoute({
            pipeline,
            config,
            shutdown,
            now: options.now,
            // A deferred part's errors and product watermarks, counted and seen as the first part's are by their plugins.
            onPartError: (code) => metrics.errors.inc({ code }),
            onPartWatermark: (product, dataAsOf) => watermarksSeen.observe(product, dataAsOf),
          }),
          mcp:
            config.mcp.enabled && catalog && views
              ? mcpRoute({
                  pipeline,
                  authenticate,
                  config,
                  shutdown,
                  metrics,
                  catalog: (view) => catalog.forCaller(source.state, view).then((pages) => pages.catalog),
                  views,
                  productUrl: products.services.fetchedUrl,
                  logger,
                })
              : undefined,
        }),
        { shutdown, metrics, takeRateLimitToken: rateLimit ? (req) => takeRateLimitToken(sharedState, rateLimit, req, verifiedPrincipal) : undefined, guardHost: hostGuard(config) },
      ),
  });
  return Object.assign(http, { prober });
}

/**
 * 4-5. Apollo Server with one plugin per concern (their order is `gatewayPlugins`'s), and
 * the executor: Apollo Gateway loads the supergraph and plans; our executor runs the plans,
 * behind execution sharing when it is on.
 */
async function executor(config: GatewayConfig, ground: Ground, products: Products, options: GatewayOptions, logger: Logger) {
  const { metrics, source, sharedState, agreements, usage, watermarksSeen } = ground;
  // The planner is Apollo's (`@apollo/query-planner`, built by Apollo Gateway), and its plans are
  // corrected where they are wrong (issue 25), not Hive's MIT planner. Measured side by side
  // (`npm run bench:planner`, 2026-12-05): Hive's plans are right where Apollo's merge a caller's
  // field with a @requires selection of other arguments, and it plans 15-50× faster warm (federation
  // bench 1.3 against 55 ms) and builds 1.7-100× faster; but plans are cached per operation and
  // warmed on load, so planning is off the request path, and its plans need what our executor does
  // not read (BatchFetch, other Flatten paths and rewrites), plan no @defer (0.0.38 answers deferred
  // fragments whole), take the operation as text (printed again after access pruning), ship a
  // 12 MB native addon for linux-gnu and macOS only (no Windows, no musl), and leave Apollo Gateway,
  // ELv2 as the planner is, as the supergraph manager. The reasons at length: gateway/LIFECYCLE.md.
  // Our executor runs @defer: plans are asked for with deferred blocks.
  // Validated in every NODE_ENV: Apollo's build is admission's last rule, and refuses the same in production.
  const gateway = new ApolloGateway({
    supergraphSdl: source,
    buildService: products.services.buildService,
    queryPlannerConfig: { incrementalDelivery: { enableDefer: true } },
    validateSupergraph: true,
  });
  // Apollo's build takes the parse the model was read from: the supergraph is parsed once per load.
  if (!buildFromModelParse(gateway, (sdl) => source.takeDocument(sdl)))
    logger.warn('Apollo Gateway builds its schema from its own parse of the supergraph: its build method is not the one meshgate hands a parse to');
  const planWarmer = config.warmQueryPlans > 0 ? new QueryPlanWarmer({ maxOperations: config.warmQueryPlans, log: (line) => logger.warn(line) }) : undefined;
  // The one place a served supergraph comes in: the source hands its model to every consumer, the plugins included.
  gateway.onSchemaLoadOrUpdate((loaded) => source.serving(loaded));
  source.onLoad(() => void planWarmer?.warm(gateway).then((warmed) => warmed > 0 && logger.info({ warmed }, 'query plans re-planned for the new supergraph')));
  // With Redis configured, APQ registrations are shared by every replica; otherwise each keeps its own.
  const persisted = persistedOperations(config.persistedOperations, (line) => logger.warn(line), config.sharedState.redisUrl ? sharedState : undefined);
  const lineage = openLineageEmitter(config.lineage, metrics, logger, capturedRunEvent);
  const plugins = gatewayPlugins(config, {
    logger,
    metrics,
    usage,
    persisted: persisted.plugin,
    planWarmer,
    watermarksSeen,
    now: options.now,
    lineage,
    random: options.random,
    agreements,
    onSupergraph: (listener) => source.onLoad(listener),
  });
  const sharing =
    config.coalesceQueries || products.caches.answers
      ? new ExecutionSharing({ coalesce: config.coalesceQueries, answers: products.caches.answers, onJoin: () => metrics.coalescedRequests.inc() })
      : undefined;
  const executing = (options.executor ?? withPlanExecutor)(gateway);
  const apollo = new ApolloServer<GatewayContext>({
    gateway: sharing ? sharing.wrapGateway(executing) : executing,
    allowBatchedHttpRequests: config.batching.enabled,
    persistedQueries: persisted.apolloOption,
    // Always on here: introspectionPlugin refuses it with INTROSPECTION_DISABLED when configured off.
    introspection: true,
    includeStacktraceInErrorResponses: config.exposeErrorDetails,
    // `meshgate serve` drains and stops the gateway on SIGINT/SIGTERM; Apollo's own handlers would race that.
    stopOnTerminationSignals: false,
    // A shared answer's data is serialized once for every caller it answers.
    stringifyResult: sharing ? (result) => sharing.stringifyResult(result) : (result) => JSON.stringify(result),
    plugins,
  });
  // What is open by now, closed in this order on close(), and here if Apollo refuses to start.
  const release = async () => {
    await products.services.transport.close();
    ground.signer.close();
    await sharedState.close();
    await usage?.close();
    await lineage?.close();
    ground.stopAgreements?.();
  };
  // Apollo's build of the first supergraph is admission's last rule: a start it refuses leaves nothing open behind it.
  await apollo.start().catch(async (error: unknown) => {
    await release();
    throw error;
  });
  return { apollo, release };
}

/**
 * 6. The product fetch: each product's layers around the wire call, composed in one place
 * inside the transport; what they need from the stages above is handed down here, never
 * imported upward. The caches behind the fetch's cache layer and the whole-answer cache.
 */
function productFetch(config: GatewayConfig, ground: Ground, logger: Logger) {
  const { metrics, sharedState, signer } = ground;
  const caches = openCaches<ExecutionAnswer>(config.cache, { sharedState, metrics, urlOf: (name) => services.fetchedUrl(name) });
  const services = createProductServices({
    config,
    signer,
    metrics,
    cache: caches.products,
    refusals: new SignatureRefusals(logger, metrics),
    hooks: {
      claims: { headers: (context) => forwardedClaims(context.principal), key: (context) => forwardedClaimsKey(context.principal) },
      forwardRequestId,
      inFlight: () => new Singleflight(),
    },
  });
  return { caches, services };
}

/**
 * What every request stands on, opened first: metrics and usage, the supergraph (from the
 * registry or a file, admitted before it is served), access agreements, the products'
 * signing keys, shared state, and the per-caller views of the served supergraph.
 */
async function openGround(config: GatewayConfig, options: GatewayOptions, logger: Logger) {
  const metrics = new GatewayMetrics({ labels: config.observability });
  const watermarksSeen = new ProductWatermarksSeen();
  const { supergraph } = config;
  const usage = !config.usage.enabled
    ? undefined
    : config.registry.url && config.registry.token
      ? new RegistryUsageStore(new RegistryClient(config.registry.url, config.registry.token), config.usage.flushIntervalMs)
      : openUsageStore(config.usage.postgresUrl ?? config.usage.file, config.usage.flushIntervalMs);
  const admission = { mode: config.mode, allowUnclassifiedFields: config.access.allowUnclassifiedFields };
  // From a registry, the supergraph is its current build, polled; otherwise the file (and supergraph.url).
  const registry = config.registry.url && config.registry.token ? { url: config.registry.url, token: config.registry.token } : undefined;
  const fromRegistry = registry ? { ...registrySupergraphEndpoint(registry), initial: await fetchRegistrySupergraph(registry) } : undefined;
  // Access agreements come from the registry with the build, read before anything is opened; without enforcement, say so once.
  const agreements = config.agreements.enforce && registry ? new AgreementAccess(config.agreements.applicationClaim, options.now) : undefined;
  const stopAgreements =
    agreements && registry
      ? await watchRegistryAgreements({ registry, intervalMs: supergraph.pollIntervalMs, onAgreements: (document) => agreements.update(document), log: (line) => logger.warn(line) })
      : undefined;
  if (agreements) logger.info(`access agreements: enforced from ${registry!.url}; the application is the token's "${config.agreements.applicationClaim}" claim`);
  else {
    const why =
      config.mode === 'development'
        ? 'development mode: every token, the development token too, reads what its scopes allow'
        : registry
          ? 'agreements.enforce is false'
          : 'no registry to take them from';
    logger.info(`access agreements: not enforced (${why}); agreements.enforce with registry.url enforces them`);
  }
  const source = new FileSupergraphSource(fromRegistry?.url ?? supergraph.file, {
    file: fromRegistry ? false : supergraph.watch,
    url: fromRegistry?.url ?? supergraph.url,
    pollIntervalMs: supergraph.pollIntervalMs,
    log: (line) => logger.warn(line),
    admit: (model) => admitModel(model, admission),
    ...(fromRegistry ? { headers: fromRegistry.headers, initial: fromRegistry.initial } : {}),
  });
  const { subgraphs } = source.read(); // fail fast with SUPERGRAPH_INVALID naming the file, before Apollo's own errors
  source.onLoad((model) => {
    // Admitted with fields nobody classified (development, or allowed on purpose): say so once per load.
    const open = ungovernedFields(model);
    if (open.length > 0)
      logger.warn(
        { fields: open.length, examples: open.slice(0, 5) },
        `serving ${open.length} field(s) with no classification and no access directive to every caller; production refuses this unless access.allowUnclassifiedFields is true`,
      );
  });
  // What /mcp and the catalog show each caller follows the served supergraph, as introspection on /graphql does.
  const views = config.mcp.enabled || config.catalog.enabled ? new CallerViews({ preview: config.preview, operatorScope: config.access.operatorScope, agreements }) : undefined;
  if (views) source.onLoad((model, apiSchema) => views.load(model, apiSchema));
  // Apollo Gateway otherwise sends usage metrics to Apollo and probes cloud metadata servers
  // (169.254.169.254) at start-up. A data mesh's gateway phones no one home.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  if (registerTracingFromEnv()) logger.info('tracing: exporting spans over OTLP');
  const signer = await openProductSigner({ mode: config.mode, products: subgraphs.map((s) => s.name), registry });
  logger.info(signer.description);
  declareEnforcedSecurityFeatures();
  // Opened before the products: the freshness cache keeps its entries there.
  const sharedState = await openSharedState(config.sharedState, logger);
  return { metrics, watermarksSeen, usage, agreements, stopAgreements, source, views, signer, sharedState };
}
