import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from './config.ts';
import { MeshError, MeshErrorCode } from '../schema/protocol/error-codes.ts';
import type { GatewayContext } from './gateway-context.ts';
import { executeApollo, parseRequestBody, readBody, writeApolloResponse, writeError, writeJson, writeThrown } from '../schema/protocol/apollo-http.ts';
import { takeRateLimitToken } from './http/rate-limiter.ts';
import type { Logger } from 'pino';
import { logger as defaultLogger } from './observability/logger.ts';
import { accessPolicyPlugin } from './plugins/access-policy-plugin.ts';
import { errorMaskingPlugin } from './plugins/error-masking-plugin.ts';
import { introspectionPlugin } from './plugins/introspection-plugin.ts';
import { previewGatePlugin } from './plugins/preview-gate-plugin.ts';
import { productSignalsPlugin } from './plugins/product-signals-plugin.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { loggingPlugin } from './plugins/logging-plugin.ts';
import type { ProductFreshnessSource } from './catalog/catalog-data.ts';
import { fieldUsagePlugin } from './plugins/field-usage-plugin.ts';
import { metricsPlugin } from './plugins/metrics-plugin.ts';
import { ObservedFreshness, productFreshnessPlugin } from './plugins/product-freshness-plugin.ts';
import { FailoverStore } from './shared-state/failover-store.ts';
import type { SharedStateStore } from './shared-state/key-value-store.ts';
import { MemoryStore } from './shared-state/memory-store.ts';
import { RedisStore } from './shared-state/redis-store.ts';
import { GracefulShutdown } from './http/graceful-shutdown.ts';
import { guardBatch, guardDocuments, guardMethodAndMediaType, guardPersistedQuery } from './http/request-guard.ts';
import { costLimitPlugin } from './plugins/cost-limit-plugin.ts';
import { operationResolutionPlugin } from './plugins/operation-resolution-plugin.ts';
import { persistedOperations } from './plugins/persisted-operations-plugin.ts';
import { requestIdPlugin } from './plugins/request-id-plugin.ts';
import { requestLimitsPlugin } from './plugins/request-limits-plugin.ts';
import { ExecutionSharing, type ExecutionAnswer } from './execution/execution-sharing.ts';
import { QueryPlanWarmer } from './execution/query-plan-warmer.ts';
import { readinessReport } from './http/readiness.ts';
import { isExplorerRequest, serveExplorer } from './http/explorer/serve-explorer.ts';
import { FileSupergraphSource, type SupergraphState } from './supergraph/supergraph-source.ts';
import { loadAccessRules } from './access/access-rules.ts';
import { createAuthenticator } from './access/authentication.ts';
import { declareEnforcedSecurityFeatures } from './supergraph/enforced-security-features.ts';
import type { FieldAccess } from './access/field-access.ts';
import { loadSigningKeyring } from '../schema/protocol/signing-keys.ts';
import { readFieldDirectives } from './supergraph/supergraph-directives.ts';
import { ProductDataSource } from './transport/product-data-source.ts';
import { RequestSigner } from '../schema/protocol/signature.ts';
import { createProductTransport } from './transport/product-transport.ts';
import { AnswerCache } from './cache/answer-cache.ts';
import { CachingProductDataSource } from './cache/caching-data-source.ts';
import { FreshnessCache } from './cache/freshness-cache.ts';
import { WatermarkTracker } from './cache/watermark-tracker.ts';
import { registerTracingFromEnv, traceIncomingRequest } from '../schema/protocol/trace-propagation.ts';
import { openUsageStore, type FieldUsageStore } from './observability/field-usage-store.ts';

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  readonly state: () => SupergraphState;
  readonly apollo: ApolloServer<GatewayContext>;
  /** Persisted queries, caches and rate limits: Redis when configured, else memory. */
  readonly sharedState: SharedStateStore;
  /** The freshness cache, when `cache.enabled`: its hit and miss counts. */
  readonly cache: FreshnessCache | undefined;
  /** Prometheus instruments served at `/metrics`; other concerns record into them. */
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

/** Redis with a memory fallback when a Redis URL is configured; memory otherwise. */
async function openSharedState(config: GatewayConfig, logger: Logger): Promise<SharedStateStore> {
  if (!config.sharedState.redisUrl) return new MemoryStore();
  const redis = new RedisStore({ url: config.sharedState.redisUrl, keyPrefix: config.sharedState.keyPrefix });
  const store = new FailoverStore(redis, new MemoryStore(), logger);
  // Redis being down at start-up is not fatal: the gateway starts degraded and recovers.
  await redis.connect().catch((error: Error) => logger.warn({ err: error.message }, 'shared state: Redis unreachable at start-up; using memory until it is back'));
  return store;
}

/**
 * The composition root of the gateway: Apollo Gateway serving the supergraph, Apollo
 * Server 5 executing requests, one plugin per concern, and a Node HTTP server in front.
 */
export interface GatewayOptions {
  /** The clock freshness is judged by (tests). @default Date.now */
  now?: () => number;
  /** Where the gateway logs. @default the process logger (gateway/observability/logger.ts) */
  logger?: Logger;
  /** Where the catalog reads product freshness. @default watermarks seen in responses' `extensions.dataProducts` */
  freshness?: ProductFreshnessSource;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? defaultLogger;
  const metrics = new GatewayMetrics();
  const observedFreshness = new ObservedFreshness();
  const usage: FieldUsageStore | undefined = config.usage.enabled ? openUsageStore(config.usage.postgresUrl ?? config.usage.file, config.usage.flushIntervalMs) : undefined;
  const source = new FileSupergraphSource(config.supergraph.file, {
    file: config.supergraph.watch,
    url: config.supergraph.url,
    pollIntervalMs: config.supergraph.pollIntervalMs,
    log: (line) => logger.warn(line),
  });
  const { subgraphs } = source.read(); // fail fast with SUPERGRAPH_INVALID naming the file, before Apollo's own errors
  // Apollo Gateway otherwise sends usage metrics to Apollo and probes cloud metadata servers
  // (169.254.169.254) at start-up. A data mesh's gateway phones no one home.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  if (registerTracingFromEnv()) logger.info('tracing: exporting spans over OTLP');
  const keyring = loadSigningKeyring({ mode: config.mode });
  for (const subgraph of subgraphs) keyring.keysFor(subgraph.name); // fail fast: a product without a key could never be called
  const signer = new RequestSigner(keyring);
  declareEnforcedSecurityFeatures();
  const transport = createProductTransport(config.transport);
  // Opened before the gateway: the freshness cache keeps its entries there.
  const sharedState = await openSharedState(config, logger);
  const watermarks = new WatermarkTracker({ checkIntervalMs: config.cache.watermarkCheckMs });
  const cache = config.cache.enabled
    ? new FreshnessCache(sharedState, watermarks, { maxEntries: config.cache.maxEntries, onLookup: (product, outcome) => metrics.cacheLookups.inc({ product, outcome }) })
    : undefined;
  // Where each product is served: the config's override, else the supergraph's URL.
  const productUrl = <U extends string | undefined>(name: string, supergraphUrl: U): string | U => config.subgraphUrls[name] ?? supergraphUrl;
  /** The URL each product's data source fetches from (the answer cache probes watermarks beside it). */
  const productUrls = new Map<string, string>();
  const gateway = new ApolloGateway({
    supergraphSdl: source,
    buildService: ({ name, url }) => {
      const options = { product: name, url: productUrl(name, url) ?? '', transport, signer, metrics };
      productUrls.set(name, options.url);
      return cache ? new CachingProductDataSource({ ...options, cache }) : new ProductDataSource(options);
    },
  });
  const rules = loadAccessRules(config.access);
  let access: FieldAccess = { directives: new Map(), rules };
  let previewFields: ReadonlySet<string> = new Set();
  const planWarmer = config.warmQueryPlans > 0 ? new QueryPlanWarmer({ maxOperations: config.warmQueryPlans, log: (line) => logger.warn(line) }) : undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    access = { directives: readFieldDirectives(coreSupergraphSdl), rules };
    previewFields = new Set([...access.directives].filter(([, directives]) => directives.preview).map(([coordinate]) => coordinate));
    source.markServing(coreSupergraphSdl);
    void planWarmer?.warm(gateway).then((warmed) => warmed > 0 && logger.info({ warmed }, 'query plans re-planned for the new supergraph'));
  });
  const authenticate = createAuthenticator(config.auth);

  // With Redis configured, APQ registrations are shared by every replica; otherwise each keeps its own.
  const persisted = persistedOperations(config.persistedOperations, (line) => logger.warn(line), config.sharedState.redisUrl ? sharedState : undefined);
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    // Order matters where hooks share a phase: signals read the operation before access
    // prunes it, and access errors are added before masking sees them.
    productSignalsPlugin({ now: options.now }),
    accessPolicyPlugin({ mode: config.access.mode, access: () => access }),
    // Masking runs before the request id is stamped, so the id survives masking.
    errorMaskingPlugin({ exposeDetails: config.exposeErrorDetails }),
    requestIdPlugin(),
    introspectionPlugin({ enabled: config.introspection }),
    previewGatePlugin({ ...config.preview, previewFields: () => previewFields }),
    operationResolutionPlugin(),
    requestLimitsPlugin(config.limits),
    ...(config.cost.mode === 'off' ? [] : [costLimitPlugin(config.cost)]),
    ...(persisted.plugin ? [persisted.plugin] : []),
    metricsPlugin(metrics),
    loggingPlugin(logger),
    fieldUsagePlugin(metrics, usage),
    productFreshnessPlugin(observedFreshness),
    ...(planWarmer ? [planWarmer.plugin()] : []),
    config.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
  ];
  const answers = config.cache.enabled
    ? new AnswerCache<ExecutionAnswer>(watermarks, {
        maxEntries: config.cache.maxAnswers,
        urlOf: (name) => productUrls.get(name),
        onLookup: (outcome) => metrics.answerCacheLookups.inc({ outcome }),
      })
    : undefined;
  const sharing = config.coalesceQueries || answers ? new ExecutionSharing({ coalesce: config.coalesceQueries, answers, onJoin: () => metrics.coalescedRequests.inc() }) : undefined;
  const apollo = new ApolloServer<GatewayContext>({
    gateway: sharing ? sharing.wrapGateway(gateway) : gateway,
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
  await apollo.start();

  const server = createServer((req, res) => {
    void traceIncomingRequest(req, res, 'meshgate gateway', {}, () => handle(req, res));
  });
  const shutdown = new GracefulShutdown(server, config.shutdown.drainTimeoutMs);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/health') {
        const state = source.state;
        writeJson(res, state.phase === 'serving' ? 200 : 503, { status: state.phase === 'serving' ? 'ok' : state.phase, supergraph: state });
        return;
      }
      if (path === '/ready') {
        const report = await readinessReport({
          state: source.state,
          shuttingDown: shutdown.shuttingDown,
          transport,
          urlOf: productUrl,
        });
        writeJson(res, report.httpStatus, report.body);
        return;
      }
      // Scrapes are not rate limited: a throttled scraper would hide the overload it should show.
      if (path === '/metrics' && req.method === 'GET') {
        const { contentType, text } = await metrics.exposition();
        res.writeHead(200, { 'content-type': contentType }).end(text);
        return;
      }
      if (config.catalog.enabled && (path === '/catalog' || path.startsWith('/catalog/') || path === '/catalog.json') && req.method === 'GET') {
        const state = source.state;
        // Loaded on the first catalog request: it reads the mesh with the contract pipeline
        // (composition, lineage), which a gateway that only serves queries never needs in memory.
        const [{ buildCatalog }, { renderCatalogRoute }] = await Promise.all([import('./catalog/catalog-data.ts'), import('./catalog/catalog-page.ts')]);
        const catalog = await buildCatalog({
          meshRoot: config.catalog.meshRoot,
          served: new Set(state.phase === 'serving' ? state.subgraphs.map((s) => s.name) : []),
          freshness: options.freshness ?? observedFreshness,
          usage,
        });
        if (path === '/catalog.json') writeJson(res, 200, catalog);
        else {
          const { status, html } = renderCatalogRoute(catalog, path, new URL(req.url ?? '/', 'http://localhost').searchParams);
          res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        }
        return;
      }
      if (config.explorer && isExplorerRequest(req, path)) {
        await serveExplorer(req, res, path, config);
        return;
      }
      if (config.rateLimit) {
        const decision = await takeRateLimitToken(sharedState, config.rateLimit, req);
        if (!decision.allowed) {
          req.resume();
          metrics.rejections.inc({ code: MeshErrorCode.RATE_LIMITED });
          writeError(res, MeshErrorCode.RATE_LIMITED, `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s`, {}, { 'retry-after': String(decision.retryAfterSeconds) });
          return;
        }
      }
      const isSandboxPage = path === '/' && req.method === 'GET' && !new URL(req.url ?? '/', 'http://localhost').searchParams.has('query');
      if ((isSandboxPage || path === '/sandbox') && !config.sandbox) {
        writeError(res, MeshErrorCode.NOT_FOUND, 'Apollo Sandbox is disabled; POST GraphQL requests to /graphql');
        return;
      }
      // Sandbox posts to the page it was loaded from, so `/` and `/sandbox` are GraphQL endpoints too.
      if (path !== '/graphql' && path !== '/' && path !== '/sandbox') {
        writeError(res, MeshErrorCode.NOT_FOUND, `No route ${path}`);
        return;
      }
      shutdown.track(res);
      if (shutdown.shuttingDown) {
        writeError(res, MeshErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry on another instance');
        return;
      }
      guardMethodAndMediaType(req);
      const body = parseRequestBody(await readBody(req, config.maxBodyBytes), req.headers['content-type']);
      guardBatch(body, config.batching);
      guardDocuments(req, body, config.limits);
      guardPersistedQuery(body);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const response = await executeApollo(apollo, req, body, async () => ({ requestId, headers, principal: await authenticate(headers, requestId), answeredBy: new Map() }));
      await writeApolloResponse(res, response);
    } catch (error) {
      // Rejected before Apollo saw the request (body too large, bad JSON): count it here.
      metrics.rejections.inc({ code: error instanceof MeshError ? error.code : MeshErrorCode.INTERNAL_SERVER_ERROR });
      if (!res.headersSent) writeThrown(res, error);
      else res.destroy();
    }
  }

  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    state: () => source.state,
    apollo,
    sharedState,
    cache,
    metrics,
    close: async () => {
      await shutdown.drain();
      await apollo.stop();
      await transport.close();
      await sharedState.close();
      await usage?.close();
    },
  };
}
