import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from './config.ts';
import { MeshErrorCode } from './error-codes.ts';
import type { GatewayContext } from './gateway-context.ts';
import { executeApollo, parseRequestBody, readBody, writeApolloResponse, writeError, writeJson, writeThrown } from './http/apollo-http.ts';
import { GracefulShutdown } from './graceful-shutdown.ts';
import { guardBatch, guardDocuments, guardMethodAndMediaType, guardPersistedQuery } from './http/request-guard.ts';
import { costLimitPlugin } from './plugins/cost-limit-plugin.ts';
import { operationResolutionPlugin } from './plugins/operation-resolution-plugin.ts';
import { persistedOperations } from './plugins/persisted-operations-plugin.ts';
import { requestIdPlugin } from './plugins/request-id-plugin.ts';
import { requestLimitsPlugin } from './plugins/request-limits-plugin.ts';
import { readinessReport } from './readiness.ts';
import { FileSupergraphSource, type SupergraphState } from './supergraph-source.ts';
import { ProductDataSource } from './transport/product-data-source.ts';
import { createProductTransport } from './transport/product-transport.ts';

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  readonly state: () => SupergraphState;
  readonly apollo: ApolloServer<GatewayContext>;
  close(): Promise<void>;
}

/**
 * The composition root of the gateway: Apollo Gateway serving the supergraph, Apollo
 * Server 5 executing requests, one plugin per concern, and a Node HTTP server in front.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const source = new FileSupergraphSource(config.supergraph.file, {
    file: config.supergraph.watch,
    url: config.supergraph.url,
    pollIntervalMs: config.supergraph.pollIntervalMs,
    log: (line) => console.error(line),
  });
  source.read(); // fail fast with SUPERGRAPH_INVALID naming the file, before Apollo's own errors
  // Apollo Gateway otherwise sends usage metrics to Apollo and probes cloud metadata servers
  // (169.254.169.254) at start-up. A data mesh's gateway phones no one home.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const transport = createProductTransport(config.transport);
  const gateway = new ApolloGateway({
    supergraphSdl: source,
    buildService: ({ name, url }) => new ProductDataSource({ product: name, url: config.subgraphUrls[name] ?? url ?? '', transport }),
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => source.markServing(coreSupergraphSdl));

  const persisted = persistedOperations(config.persistedOperations);
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    requestIdPlugin(),
    operationResolutionPlugin(),
    requestLimitsPlugin(config.limits),
    ...(config.cost.mode === 'off' ? [] : [costLimitPlugin(config.cost)]),
    ...(persisted.plugin ? [persisted.plugin] : []),
    config.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
  ];
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    allowBatchedHttpRequests: config.batching.enabled,
    persistedQueries: persisted.apolloOption,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.mode === 'development',
    plugins,
  });
  await apollo.start();

  const server = createServer((req, res) => {
    void handle(req, res);
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
          urlOf: (name, url) => config.subgraphUrls[name] ?? url,
        });
        writeJson(res, report.httpStatus, report.body);
        return;
      }
      const isSandboxPage = path === '/' && req.method === 'GET' && !new URL(req.url ?? '/', 'http://localhost').searchParams.has('query');
      if (isSandboxPage && !config.sandbox) {
        writeError(res, MeshErrorCode.NOT_FOUND, 'Apollo Sandbox is disabled; POST GraphQL requests to /graphql');
        return;
      }
      // Sandbox posts to the page it was loaded from, so `/` is a GraphQL endpoint too.
      if (path !== '/graphql' && path !== '/') {
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
      const response = await executeApollo(apollo, req, body, async () => ({ requestId, headers }));
      await writeApolloResponse(res, response);
    } catch (error) {
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
    close: async () => {
      await shutdown.drain();
      await apollo.stop();
      await transport.close();
    },
  };
}
