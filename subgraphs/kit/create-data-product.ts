import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { SigningKey } from '../../schema/protocol/signing-keys.ts';
import { SIGNATURE_HEADER } from '../../schema/protocol/signature.ts';
import { executeApollo, parseRequestBody, readBody, writeApolloResponse, writeError, writeJson, writeThrown } from '../../schema/protocol/apollo-http.ts';
import { loadDescriptor, type ProductDescriptor } from '../../schema/product/descriptor.ts';
import { DuckDbStore, ensureSeeded } from './duckdb-store.ts';
import { PRODUCT_REPORT_HEADER, type ProductReport } from '../../schema/protocol/product-report.ts';
import { maskProductError } from './error-masking.ts';
import { ensurePostgresSeeded, PostgresStore, postgresStoreProblem } from './postgres-store.ts';
import { SignatureVerifier, type ProductKeySet } from '../../schema/protocol/signature-verifier.ts';
import { loadProductKeys } from './product-keys.ts';
import { CursorSeal } from './cursor-seal.ts';
import { devUnsignedAccess } from './dev-unsigned-access.ts';
import { RedisNonceRegistry } from './redis-nonce-registry.ts';
import { readSeedVersion, readWatermark } from './watermark.ts';
import { QueryLog, type DataStore, type SeedableStore } from './store.ts';
import { enableProductTracingFromEnv, traceProductRequest } from './tracing.ts';

/** What every resolver of a data product receives. Built fresh for every request. */
export interface ProductContext<Loaders> {
  requestId: string;
  store: DataStore;
  loaders: Loaders;
  /** Seals and opens this product's page cursors. */
  cursors: CursorSeal;
}

/** Everything a product folder provides; the kit adds the rest. */
export interface DataProductDefinition<Loaders> {
  /** The product folder: holds `product.yaml`, `schema.graphql` and `store/`. */
  dir: string;
  resolvers: GraphQLResolverMap<ProductContext<Loaders>>;
  /** Builds this request's DataLoaders. Called once per request, never cached across requests. */
  createLoaders(store: DataStore, cursors: CursorSeal): Loaders;
  /** How the product's own embedded store is seeded; a product over its team's own engine has none. */
  seed?: {
    /** Bump to reseed existing stores when the seed changes. */
    version: string;
    run(store: SeedableStore): Promise<void>;
  };
  /** Opens the product's store when it is not the seeded default (a declared product's engine). */
  openStore?(options: DataProductOptions): Promise<DataStore>;
  /** Checks the store has what the product reads, before it serves (a declared product's tables and columns). */
  verifyStore?(store: DataStore): Promise<void>;
  /** How old the store's data is (ISO 8601), read in the store. @default the latest row of `meshgate_watermark` */
  readWatermark?(store: DataStore): Promise<string | null>;
}

/** A product that seeds its own embedded store. */
export type SeededProductDefinition<Loaders> = DataProductDefinition<Loaders> & Required<Pick<DataProductDefinition<Loaders>, 'seed'>>;

export interface DataProductOptions {
  /** Use this store instead of the product's own DuckDB file (tests, Postgres). */
  store?: DataStore;
  /** Where the product's DuckDB file lives. @default `<dir>/store/<name>.duckdb` */
  storePath?: string;
  /**
   * A Postgres URL: serve from the product's own schema there instead of DuckDB. Seed it
   * first with `meshgate seed PRODUCT --store URL`.
   * @default process.env.STORE_URL
   * @example "postgres://sales@db.internal:5432/mesh"
   */
  storeUrl?: string;
  /** Show original error messages. Development only: they can name tables and columns. @default false */
  exposeErrorDetails?: boolean;
  /**
   * Keys the gateway signs this product's requests with, newest first, or a set that
   * changes while the product runs.
   * @default this product's own keys from `MESHGATE_PRODUCT_KEY`, `MESHGATE_PRODUCT_KEY_FILE`, the registry (`MESHGATE_REGISTRY_URL` and the product's `MESHGATE_REGISTRY_TOKEN`), the single-repository `MESHGATE_SIGNING_KEYS`/`MESHGATE_SIGNING_SECRET` or, in development, the user's development key (`loadProductKeys`)
   */
  signingKeys?: readonly SigningKey[] | ProductKeySet;
  /**
   * Serve requests that carry no gateway signature. Only for benchmarks that put a gateway
   * which cannot sign (vanilla Apollo Gateway) in front of the same products. The value is
   * {@link ACCEPT_UNSIGNED_REQUESTS}, a symbol, so no config file, environment variable or
   * parsed JSON can turn it on; anything else leaves verification on.
   * @default undefined (every GraphQL request must be signed)
   */
  acceptUnsignedRequests?: typeof ACCEPT_UNSIGNED_REQUESTS;
  /**
   * Redis that every replica of this product shares, so a signed request accepted by one
   * replica (or before a restart) is refused as a replay by all of them.
   * @default process.env.MESHGATE_REDIS_URL (unset: each process remembers its own)
   * @example "redis://redis.internal:6379"
   */
  redisUrl?: string;
  /**
   * Development mode: answer requests without a gateway signature when they come from this
   * machine (loopback peer, loopback `Host`), so the product's team can query and introspect
   * it with curl. Refused in production (`DEV_MODE_REFUSED`). Signed requests are verified
   * as always.
   * @default process.env.MESHGATE_DEV_UNSIGNED === '1'
   * @example true
   */
  devUnsigned?: boolean;
  /**
   * Where the product runs: `production` refuses development switches.
   * @default 'production' when NODE_ENV=production, else 'development'
   */
  mode?: 'development' | 'production';
}

/** The one value of {@link DataProductOptions.acceptUnsignedRequests}. Code only: benchmarks, never production paths. */
export const ACCEPT_UNSIGNED_REQUESTS: unique symbol = Symbol('meshgate: accept unsigned requests (benchmark only)');

export interface RunningProduct {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface DataProduct {
  readonly name: string;
  readonly descriptor: ProductDescriptor;
  readonly sdl: string;
  readonly typeDefs: DocumentNode;
  readonly schema: GraphQLSchema;
  readonly store: DataStore;
  /** The GraphQL operations this product was asked, after the signature check: tests prove what was never fetched. */
  readonly requests: QueryLog;
  /** Serves the product on its own port (0 picks a free one). */
  listen(options?: { port?: number; host?: string }): Promise<RunningProduct>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function productStorePath(definition: { dir: string }, name: string): string {
  return join(definition.dir, 'store', `${name}.duckdb`);
}

function isPostgresUrl(url: string | undefined): boolean {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * Seeds the product's store when it is missing or stale: its DuckDB file by default, its
 * Postgres schema when given a Postgres URL. Safe to call every start.
 */
export async function seedProductStore<L>(definition: DataProductDefinition<L>, target: { storePath?: string; storeUrl?: string; grantTo?: string } = {}): Promise<{ seeded: boolean }> {
  const descriptor = loadDescriptor(join(definition.dir, 'product.yaml'));
  if (!definition.seed) return { seeded: false };
  if (target.storeUrl && isPostgresUrl(target.storeUrl)) return ensurePostgresSeeded(target.storeUrl, descriptor.name, definition.seed.version, definition.seed.run, { grantTo: target.grantTo });
  return ensureSeeded(target.storePath ?? productStorePath(definition, descriptor.name), definition.seed.version, definition.seed.run);
}

/**
 * The embedded DuckDB store seeds itself on first use; a Postgres store must have been
 * seeded by `meshgate seed`, because a production database is not ours to fill unasked.
 */
async function openProductStore<L>(definition: DataProductDefinition<L>, name: string, options: DataProductOptions): Promise<DataStore> {
  if (definition.openStore) return definition.openStore(options);
  const seed = definition.seed;
  if (!seed) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, `store of ${name}`, ['the product has no seed and no engine to open: declare one in declared.yaml (engine)']);
  const url = options.storeUrl ?? process.env.STORE_URL;
  if (url !== undefined && url !== '') {
    if (!isPostgresUrl(url)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'STORE_URL', [`must be a postgres:// URL (got ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))})`]);
    const store = PostgresStore.forProduct(url, name);
    if ((await readSeedVersion(store)) !== seed.version) {
      const problem = await postgresStoreProblem(store, name);
      await store.close();
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, `store of ${name}`, [problem]);
    }
    return store;
  }
  const path = options.storePath ?? productStorePath(definition, name);
  await ensureSeeded(path, seed.version, seed.run);
  return DuckDbStore.open(path);
}

/**
 * Builds a data product from its folder: descriptor, Federation 2 schema, resolvers and
 * store, plus what every product gets the same way (per-request DataLoaders, error masking,
 * `/health`, its own HTTP server).
 */
export async function createDataProduct<Loaders>(definition: DataProductDefinition<Loaders>, options: DataProductOptions = {}): Promise<DataProduct> {
  const descriptor = loadDescriptor(join(definition.dir, 'product.yaml'));
  // Refused before anything is opened: production never starts with it.
  const devAccess = devUnsignedAccess({ devUnsigned: options.devUnsigned, mode: options.mode, product: descriptor.name });
  if (devAccess) process.stderr.write(`${descriptor.name} ${devAccess.notice}\n`);
  const sdl = readFileSync(join(definition.dir, 'schema.graphql'), 'utf8');
  const typeDefs = parse(sdl);
  const schema = buildSubgraphSchema({ typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> });

  // Before the store opens: a product that has no key could answer nobody.
  const loadedKeys = options.signingKeys ? undefined : await loadProductKeys(descriptor.name, { mode: options.mode });
  if (loadedKeys && options.acceptUnsignedRequests !== ACCEPT_UNSIGNED_REQUESTS) process.stderr.write(`${descriptor.name} ${loadedKeys.description}\n`);
  const store = options.store ?? (await openProductStore(definition, descriptor.name, options));
  const productStore = store;
  const ownsStore = !options.store;
  // A product that would answer from tables it does not have refuses to start, naming them.
  await definition.verifyStore?.(store).catch(async (error: unknown) => {
    if (ownsStore) await store.close();
    throw error;
  });
  const signingKeys = options.signingKeys ?? loadedKeys!;
  const redisUrl = options.redisUrl ?? process.env.MESHGATE_REDIS_URL;
  const nonces = redisUrl ? new RedisNonceRegistry({ url: redisUrl }) : undefined;
  await nonces?.connect();
  const verifier = options.acceptUnsignedRequests === ACCEPT_UNSIGNED_REQUESTS ? undefined : new SignatureVerifier({ product: descriptor.name, keys: signingKeys, nonces });
  const cursors = new CursorSeal(signingKeys);

  const apollo = new ApolloServer<ProductContext<Loaders>>({
    schema,
    introspection: true,
    formatError: maskProductError(descriptor.name, options.exposeErrorDetails ?? false),
    includeStacktraceInErrorResponses: false,
    // The process that runs the product stops it on SIGINT/SIGTERM; Apollo's own handlers would race that.
    stopOnTerminationSignals: false,
    // Inline traces are for Apollo Studio, which the mesh does not report to.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const servers = new Set<Server>();
  const watermarkOf = definition.readWatermark ?? readWatermark;
  // Read at start and on every GET /watermark (the gateway's cache probes it), never per
  // GraphQL request: that would add a statement to every request.
  const report: ProductReport = {
    name: descriptor.name,
    version: descriptor.version,
    status: descriptor.status,
    dataAsOf: await watermarkOf(productStore),
    freshness: descriptor.sla?.freshness ?? null,
  };
  let reportHeader = JSON.stringify(report);
  const requests = new QueryLog();

  const product: DataProduct = {
    name: descriptor.name,
    descriptor,
    sdl,
    typeDefs,
    schema,
    store: productStore,
    requests,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      enableProductTracingFromEnv();
      const server = createServer((req, res) => void traceProductRequest(descriptor.name, req, res, () => serve(req, res)));
      async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
        try {
          const path = new URL(req.url ?? '/', 'http://localhost').pathname;
          if (path === '/health' && req.method === 'GET') {
            writeJson(res, 200, { status: 'ok', product: descriptor.name, version: descriptor.version });
            return;
          }
          if (path === '/watermark' && req.method === 'GET') {
            report.dataAsOf = await watermarkOf(productStore);
            reportHeader = JSON.stringify(report);
            writeJson(res, 200, { product: descriptor.name, version: descriptor.version, dataAsOf: report.dataAsOf });
            return;
          }
          if (path !== '/graphql') {
            writeError(res, MeshErrorCode.NOT_FOUND, `No route ${path}`);
            return;
          }
          const raw = await readBody(req, MAX_BODY_BYTES);
          // Only the gateway may ask: checked over the bytes received, before the body is even
          // parsed, so nothing runs for anyone else.
          const signature = req.headers[SIGNATURE_HEADER];
          if (!devAccess?.admits(req, signature)) await verifier?.verify(signature, raw);
          const body = parseRequestBody(raw, req.headers['content-type']);
          // The signature covers the body only; a GET's query string would travel unsigned.
          if (req.method !== 'POST') {
            writeError(res, MeshErrorCode.METHOD_NOT_ALLOWED, 'Data products accept POST only');
            return;
          }
          requests.record(String((body as { query?: unknown } | undefined)?.query ?? ''));
          const response = await executeApollo(apollo, req, body, async () => ({
            requestId: String(req.headers['x-request-id'] ?? randomUUID()),
            store: productStore,
            loaders: definition.createLoaders(productStore, cursors),
            cursors,
          }));
          response.headers.set(PRODUCT_REPORT_HEADER, reportHeader);
          await writeApolloResponse(res, response);
        } catch (error) {
          writeThrown(res, error);
        }
      }
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      servers.add(server);
      const address = server.address() as AddressInfo;
      const url = `http://${host}:${address.port}/graphql`;
      return {
        url,
        port: address.port,
        close: async () => {
          servers.delete(server);
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      servers.clear();
      await apollo.stop();
      await nonces?.close();
      loadedKeys?.close();
      if (ownsStore) await productStore.close();
    },
  };
  return product;
}
