import { z } from 'zod';
import { describeIssues } from '../schema/product/descriptor.ts';
import { ConfigError, MeshErrorCode } from '../schema/protocol/error-codes.ts';

/**
 * The longest delay any `…Ms` key may take: Node's timers hold a signed 32-bit count of ms,
 * and past it they fire after 1 ms instead (with only a warning), so a "never" written as a
 * large number would turn into a busy loop.
 */
const MAX_TIMER_MS = 2_147_483_647;

const retrySchema = z.strictObject({
  /** Extra attempts after the first, for queries only; 0 turns retries off. @default 2 */
  retries: z.number().int().min(0).max(10).default(2),
  /** First backoff in ms; each further one doubles, with full jitter. @default 50 */
  baseDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(50),
  /** Cap on one backoff, in ms. @default 1000 */
  maxDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(1000),
});

const breakerSchema = z.strictObject({
  /** Consecutive failed fetches that open a product's breaker. @default 5 */
  failureThreshold: z.number().int().positive().default(5),
  /** How long an open breaker fails fast before one probe goes through, in ms. @default 10000 */
  openMs: z.number().int().positive().max(MAX_TIMER_MS).default(10_000),
});

const productTransportShape = {
  /** Time a product has to answer one fetch (headers and body), in ms. @default 10000 */
  timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(10_000),
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
};

const productTransportOverrideShape = {
  timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).optional(),
  retry: retrySchema.partial().optional(),
  breaker: breakerSchema.partial().optional(),
};

const authSchema = z
  .strictObject({
    /**
     * JWKS endpoint of the identity provider; keys are fetched and cached by `jose`.
     * @example "https://login.example.com/.well-known/jwks.json"
     */
    jwksUrl: z.url().optional(),
    /** A static PEM public key (SPKI) instead of a JWKS URL. @example "-----BEGIN PUBLIC KEY-----\n…" */
    publicKey: z.string().startsWith('-----BEGIN PUBLIC KEY-----', 'must be a PEM public key (SPKI)').optional(),
    /** Required `iss` claim. @example "https://login.example.com/" */
    issuer: z.string().min(1).optional(),
    /** Required `aud` claim. @example "meshgate" */
    audience: z.string().min(1).optional(),
    /** Accepted signature algorithms. Symmetric (HS*) and `none` are never accepted. @default ["RS256","PS256","ES256","EdDSA"] */
    algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    /** Serve requests without a bearer token, as a principal with no scopes. @default true in development, false in production */
    allowAnonymous: z.boolean().optional(),
    /**
     * Oldest token accepted, in seconds since its `iat`, whatever its `exp` says. Every
     * token must carry `exp` and `iat`. @default 86400 (24 h) @example 3600
     */
    maxTokenAgeSeconds: z.number().int().positive().default(86_400),
  })
  .refine((auth) => !(auth.jwksUrl && auth.publicKey), { message: 'set jwksUrl or publicKey, not both', path: ['jwksUrl'] })
  .refine((auth) => !(auth.jwksUrl || auth.publicKey) || (auth.issuer && auth.audience), { message: 'issuer and audience are required with a token key', path: ['issuer'] });

const accessSchema = z.strictObject({
  /**
   * What a denied field does: `filter` answers null with a FORBIDDEN_FIELD error at its path
   * and returns the rest; `reject` refuses the whole operation with FORBIDDEN_OPERATION.
   * @default "filter"
   */
  mode: z.enum(['filter', 'reject']).default('filter'),
  /**
   * Serve a supergraph whose served fields include some with no classification and no
   * access directive, to every caller. Production refuses such a supergraph (at start and on
   * reload) unless this is on; development serves it. Turn it on for a supergraph composed
   * elsewhere whose owners govern access otherwise.
   * @default false
   * @example true
   */
  allowUnclassifiedFields: z.boolean().default(false),
  /**
   * Token scope of an operator: a caller whose verified token holds it is shown which
   * clients use a deprecated field (the catalog's recent usage). Nobody else is, anonymous
   * callers never.
   * @default "meshgate:operator"
   */
  operatorScope: z.string().min(1).default('meshgate:operator'),
  /**
   * Deprecated and ignored: classifications and named policies come from the supergraph,
   * where composition compiled them. Still accepted so a config written for an older
   * gateway starts; the gateway logs that it is ignored.
   */
  governanceFile: z.string().min(1).optional(),
  /** Deprecated and ignored, as `governanceFile`. */
  productsDir: z.string().min(1).optional(),
});

const previewSchema = z.strictObject({
  /** Request header a client sends as `true` to see preview fields. @default "x-meshgate-preview" */
  header: z.string().min(1).toLowerCase().default('x-meshgate-preview'),
  /** Token scope that opts a client in without the header. @default "meshgate:preview" */
  scope: z.string().min(1).default('meshgate:preview'),
});

/**
 * The gateway's configuration: a YAML file (`meshgate.yaml`, or `--config`), then
 * environment variables on top, then CLI flags (read by config-loader.ts). Validated once at start-up; every problem
 * is reported with its path and the value found there.
 */
// Every section is `.prefault({})`: an absent section is parsed as `{}`, so each default is
// written once, on its own key, and a section's defaults cannot drift from its schema.
export const gatewayConfigSchema = z.strictObject({
  /** Port to listen on; 0 picks a free one. @default 4000 */
  port: z.number().int().min(0).max(65535).default(4000),
  /** Interface to bind. @default "127.0.0.1" @example "0.0.0.0" */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * `Host` names the gateway answers to besides this machine's own (localhost, 127.0.0.1,
   * [::1] and the bound `host`), with any port; anything else gets 421 HOST_NOT_ALLOWED,
   * which defeats DNS rebinding. Always checked in development; in production only when set.
   * @default none @example ["gateway.internal", "meshgate.corp.example"]
   */
  allowedHosts: z
    .array(
      z
        .string()
        .regex(/^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)$/, 'must be a host name or address without a port (IPv6 in brackets)')
        .toLowerCase(),
    )
    .optional(),
  /** `production` turns off Sandbox and introspection unless configured on. @default from NODE_ENV */
  mode: z.enum(['development', 'production']).default('development'),
  supergraph: z
    .strictObject({
      /** Path of the supergraph SDL file. @default "schema/supergraph.graphql" */
      file: z.string().min(1).default('schema/supergraph.graphql'),
      /** Reload the file when it changes; an invalid one is refused and the last good one kept. @default true */
      watch: z.boolean().default(true),
      /**
       * Also poll this URL for the supergraph (conditional GET with ETag); it wins over the file.
       * @example "https://registry.internal/supergraph.graphql"
       */
      url: z.url().optional(),
      /** How often `url` is polled, in ms. @default 10000 */
      pollIntervalMs: z.number().int().min(100).max(MAX_TIMER_MS).default(10_000),
    })
    .prefault({}),
  /**
   * A registry (`meshgate registry serve`) to serve from: the gateway takes the current
   * build's supergraph from it at start, polls it every `supergraph.pollIntervalMs` with
   * ETag (the last good one keeps serving when it fails), and posts field usage to it
   * instead of a local store. The token is a gateway token of that registry.
   * @example { url: "https://registry.internal", token: "…" }
   */
  registry: z
    .strictObject({
      /** The registry's base URL. @default none (serve the supergraph file) */
      url: z.url({ protocol: /^https?$/ }).optional(),
      /** A gateway token of the registry. @default none */
      token: z.string().min(1).optional(),
    })
    .refine((registry) => !registry.url || registry.token, { message: 'a registry url needs a gateway token (registry.token or MESHGATE_REGISTRY_TOKEN)', path: ['token'] })
    .prefault({}),
  /**
   * Subgraph URL per product name, replacing the URL in the supergraph.
   * @example { sales: "https://sales.internal/graphql" }
   */
  subgraphUrls: z.record(z.string(), z.url()).default({}),
  /** Allow introspection. @default true in development, false in production */
  introspection: z.boolean().optional(),
  /** Serve Apollo Sandbox at GET /sandbox (it loads from Apollo's servers). @default true in development, false in production */
  sandbox: z.boolean().optional(),
  /** Serve the GraphiQL explorer from the gateway itself at GET / and /explorer. @default true in development, false in production */
  explorer: z.boolean().optional(),
  /** Largest request body accepted, in bytes. @default 1048576 */
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /**
   * State shared by gateway replicas (persisted queries, caches, rate limits). Without a
   * Redis URL each replica keeps its own in memory.
   */
  sharedState: z
    .strictObject({
      /** @example "redis://redis.internal:6379" */
      redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
      /** Prefix of every key, so several meshes can share one Redis. @default "meshgate:" */
      keyPrefix: z.string().default('meshgate:'),
      /**
       * Longest wait for one Redis reply, in ms. Past it the command counts as failed and the
       * replica serves from memory until Redis answers again, so a frozen Redis costs a
       * request at most this long. @default 250
       */
      commandTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(250),
    })
    .prefault({}),
  /**
   * Freshness-aware cache of product answers: an entry lives until the product reports a new
   * data watermark (`GET /watermark`), scoped by the caller's authorization. Stored in the
   * shared state (memory, or Redis when configured).
   * @example { enabled: true, maxEntries: 50000 }
   */
  cache: z
    .strictObject({
      /** @default false */
      enabled: z.boolean().default(false),
      /** Most entries this gateway keeps; the oldest written go first. @default 10000 */
      maxEntries: z.number().int().positive().default(10_000),
      /**
       * How often a product's watermark is re-checked, in ms: the longest a changed product
       * can still be answered from the cache. 0 checks before every fetch. @default 1000
       */
      watermarkCheckMs: z.number().int().min(0).max(MAX_TIMER_MS).default(1_000),
      /** Whole answers kept per gateway (same query after access pruning and same variables: shared by callers with equal rights, whatever their token), least recently used first out. @default 1000 */
      maxAnswers: z.number().int().positive().default(1_000),
    })
    .prefault({}),
  /**
   * Query plans kept warm across supergraph reloads: how many of the most recently executed
   * distinct operations are re-planned in the background when a new supergraph is loaded,
   * so that requests after a reload do not all pay for planning at once. 0 turns it off.
   * @default 200
   */
  warmQueryPlans: z.number().int().min(0).max(10_000).default(200),
  /**
   * Inbound request coalescing: an identical query (same operation after access pruning,
   * same variables and preview opt-in: callers with equal rights, whatever their token)
   * that arrives while one is executing shares that execution's answer
   * instead of fetching again. Nothing is kept afterwards; mutations never coalesce.
   * @default true
   */
  coalesceQueries: z.boolean().default(true),
  /**
   * Who executes Apollo's query plans. `meshgate`: our executor (gateway/execution/plan-executor.ts),
   * which merges product answers in place and shapes the result from a per-operation compiled
   * shape, with a null in a non-null field reported as an error. `apollo`: Apollo Gateway's own
   * executor, kept for one release as the way back. Either way Apollo Gateway loads the
   * supergraph and plans, and every fetch goes through the product transport. The default is
   * ours since the differential harness (test/gateway/execution/executor-differential.test.ts)
   * finds no difference but the deliberate ones.
   * @default "meshgate"
   */
  engine: z.enum(['apollo', 'meshgate']).default('meshgate'),
  /**
   * Progressive `@override(from:, label:)`: which override labels are on for a request (engine
   * meshgate; Apollo's executor ignores labels and always serves the old product). A
   * `percent(N)` label is drawn per request; any other label is on when `labels` says so, or
   * when the request's `header` names it (comma-separated). Labels the supergraph does not
   * use, and `percent(...)` labels, are ignored in the header: the draw is the gateway's.
   * @example { labels: { "pricing-v2": true }, header: "x-meshgate-override" }
   */
  override: z
    .strictObject({
      /** Custom labels switched on (true) or off (false) for every request. @default {} */
      labels: z.record(z.string().min(1), z.boolean()).default({}),
      /** A request header that may switch more custom labels on, e.g. for a canary client. Unset: none. */
      header: z
        .string()
        .regex(/^[a-z0-9-]+$/, 'a lower-case header name')
        .optional(),
    })
    .prefault({}),
  /**
   * Token-bucket rate limit per caller; off when absent. An excess request gets 429,
   * `Retry-After` and RATE_LIMITED.
   * @example { capacity: 100, refillPerSecond: 20, by: "ip" }
   */
  rateLimit: z
    .strictObject({
      capacity: z.number().int().positive(),
      refillPerSecond: z.number().positive(),
      by: z.enum(['ip', 'client', 'principal']).default('ip'),
    })
    .optional(),
  /**
   * Show original error messages and stack traces to clients. Development only: they can
   * name tables, columns, files and product URLs. Refused in production.
   * @default false
   * @example true
   */
  exposeErrorDetails: z.boolean().default(false),
  /** Who the caller is: JWT bearer tokens. */
  auth: authSchema.prefault({}),
  /** Field-level access: `@authenticated`, `@requiresScopes`, `@policy` and classifications. */
  access: accessSchema.prefault({}),
  /**
   * Access agreements: a caller's application (a claim of its verified token, never a
   * header it chooses) reads a product's data of a classification governance puts under
   * agreement only where the registry holds an active agreement for that application and
   * product. Agreements are polled from the registry with the supergraph (same interval, ETag,
   * last good kept).
   * @example { applicationClaim: "client_id" }
   */
  agreements: z
    .strictObject({
      /** Enforce agreements. Needs `registry.url`. @default true in production when serving from a registry, false otherwise */
      enforce: z.boolean().optional(),
      /** The verified token claim naming the caller's application (OAuth `azp`, `client_id`…). @default "azp" */
      applicationClaim: z.string().min(1).max(100).default('azp'),
    })
    .prefault({}),
  /** Opt-in to fields tagged `@tag(name: "preview")`. */
  preview: previewSchema.prefault({}),
  /** Batched requests (a JSON array of operations in one POST). */
  batching: z
    .strictObject({
      /** Accept batches at all; off, a batch gets BATCHING_DISABLED. @default false */
      enabled: z.boolean().default(false),
      /** Most operations in one batch (BATCH_TOO_LARGE beyond). @default 10 */
      maxOperations: z.number().int().positive().default(10),
    })
    .prefault({}),
  /**
   * Shape limits checked before validation, each refused with its own code.
   * @example { maxDepth: 10, maxAliases: 20 }
   */
  limits: z
    .strictObject({
      /** Deepest field nesting, fragments included (DEPTH_LIMIT_EXCEEDED). @default 15 */
      maxDepth: z.number().int().positive().default(15),
      /** Most aliased fields in a document (ALIAS_LIMIT_EXCEEDED). @default 30 */
      maxAliases: z.number().int().min(0).default(30),
      /** Most lexical tokens in a document, counted before parsing (TOKEN_LIMIT_EXCEEDED). @default 5000 */
      maxTokens: z.number().int().positive().default(5000),
      /** Most directives used in a document (DIRECTIVE_LIMIT_EXCEEDED). @default 50 */
      maxDirectives: z.number().int().min(0).default(50),
      /**
       * Most fields a document selects once fragment spreads are expanded, counted before
       * validation (SELECTION_LIMIT_EXCEEDED): a few fragments that each spread the next
       * twice expand exponentially. @default 10000
       */
      maxSelections: z.number().int().positive().default(10_000),
      /** Most `@defer` fragments in an operation (DEFER_LIMIT_EXCEEDED): each is a part the gateway holds a response open for. @default 8 */
      maxDefers: z.number().int().min(0).default(8),
      /** Deepest nesting of `@defer` inside `@defer` (DEFER_LIMIT_EXCEEDED). @default 2 */
      maxDeferDepth: z.number().int().positive().default(2),
    })
    .prefault({}),
  /**
   * Demand control: the operation's cost estimated from `@cost`/`@listSize` in the
   * supergraph before it runs. `measure` logs costs over the budget, `enforce` refuses them
   * with COST_LIMIT_EXCEEDED.
   * @example { mode: "enforce", maxCost: 2000 }
   */
  cost: z
    .strictObject({
      /** @default "measure" */
      mode: z.enum(['off', 'measure', 'enforce']).default('measure'),
      /** Largest estimated cost accepted. @default 5000 */
      maxCost: z.number().int().positive().default(5000),
      /** Size assumed for a list field without `@listSize` or a slicing argument. @default 10 */
      defaultListSize: z.number().int().min(0).default(10),
    })
    .prefault({}),
  /** Automatic persisted queries and the operation safelist. */
  persistedOperations: z
    .strictObject({
      /** Accept APQ (`extensions.persistedQuery` with a sha256 hash). @default true */
      apq: z.boolean().default(true),
      /** Most queries the in-memory APQ store keeps. @default 1000 */
      apqMaxEntries: z.number().int().positive().default(1000),
      /**
       * Accept only operations listed in an Apollo persisted-query-list manifest.
       * @example { manifest: "persisted-query-manifest.json", mode: "enforce" }
       */
      safelist: z
        .strictObject({
          /** Path of the manifest (`format: "apollo-persisted-query-manifest", version: 1`). */
          manifest: z.string().min(1),
          /** `enforce` refuses unknown operations with OPERATION_NOT_IN_SAFELIST; `log` only logs them. @default "enforce" */
          mode: z.enum(['enforce', 'log']).default('enforce'),
        })
        .optional(),
    })
    .prefault({}),
  /** What `GET /ready` tells whoever asks. */
  readiness: z
    .strictObject({
      /**
       * Add the supergraph state (source, hash, product URLs, a refused reload's error) to
       * `/ready`. Off, it says only ready or not and each product's state. @default false
       */
      details: z.boolean().default(false),
    })
    .prefault({}),
  /** Graceful shutdown on SIGTERM. */
  shutdown: z
    .strictObject({
      /** Longest wait for in-flight requests before connections are cut, in ms. @default 30000 */
      drainTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).default(30_000),
    })
    .prefault({}),
  /**
   * How the gateway talks to data products: one undici keep-alive pool, a timeout per
   * fetch, retries with backoff for queries, and a circuit breaker per product. `products`
   * overrides any of these for one product.
   * @example { timeoutMs: 5000, products: { forecasts: { timeoutMs: 20000 } } }
   */
  transport: z
    .strictObject({
      ...productTransportShape,
      /** Open connections kept per product. @default 64 */
      connectionsPerProduct: z.number().int().positive().default(64),
      /** How long an idle connection to a product stays open, in ms. @default 30000 */
      keepAliveTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(30_000),
      /**
       * Identical query fetches to a product that are in flight at once share one request
       * (mutations never do). Products are sent nothing about the caller, so they answer
       * the same to everyone. @default true
       */
      dedupe: z.boolean().default(true),
      /**
       * The largest answer a product may send, in bytes: past it the fetch is aborted and
       * answered as PRODUCT_ERROR. Answers are read whole before they are parsed, so without
       * a bound one faulty or hostile product could fill the gateway's memory. @default 67108864 (64 MiB)
       */
      maxResponseBytes: z.number().int().positive().default(64 * 1024 * 1024),
      /** Per-product overrides of `timeoutMs`, `retry` and `breaker`. @default {} */
      products: z.record(z.string(), z.strictObject(productTransportOverrideShape)).default({}),
    })
    .prefault({}),
  /**
   * Field usage per client and day, which `meshgate check --usage` reads before a
   * deprecated field may be removed. Recording only buffers; rows are written in batches.
   * @example { postgresUrl: "postgres://meshgate@db.internal:5432/ops" }
   */
  usage: z
    .strictObject({
      /** Persist usage at all (the `/metrics` field counters count either way). @default true */
      enabled: z.boolean().default(true),
      /** The embedded store: a JSON-lines file. @default ".meshgate/usage.jsonl" */
      file: z.string().min(1).default('.meshgate/usage.jsonl'),
      /** Store usage in Postgres instead, shared by every replica. @example "postgres://meshgate@db:5432/ops" */
      postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
      /** How often buffered counts are written out, in milliseconds. @default 5000 */
      flushIntervalMs: z.number().int().positive().max(MAX_TIMER_MS).default(5_000),
      /**
       * Client names (`apollographql-client-name`) whose usage is recorded even when they
       * call anonymously. Authenticated callers are always recorded; anonymous ones are
       * not, so no one can keep a deprecated field "in use" by calling it under a made-up
       * name. A name here is taken on the client's word: list only names on a network you
       * trust. @default [] @example ["sales-dashboard"]
       */
      trustedClients: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /**
   * Bounds on what callers can add to `/metrics` and the usage store: client names and
   * versions (`apollographql-client-name`/`-version`) and operation names are theirs to
   * invent, and every distinct value would be kept for good.
   * @example { knownClients: ["finance-dashboard", "churn-notebook"], maxLabelValues: 200 }
   */
  observability: z
    .strictObject({
      /** Client names always recorded under their own name. @default [] */
      knownClients: z.array(z.string().min(1).max(64)).default([]),
      /** Distinct values kept per label (client, client version, operation); later ones are recorded as `other`. @default 100 */
      maxLabelValues: z.number().int().min(1).max(10_000).default(100),
      /** Distinct label combinations kept per request metric; later ones fold into `other`. @default 500 */
      maxLabelCombinations: z.number().int().min(1).max(100_000).default(500),
    })
    .prefault({}),
  /**
   * OpenLineage run events, one per executed operation (sampled): the consumer (client
   * name and version, operation) as the job, the products and fields it read as input
   * datasets. Sent in batches to `url` off the request path; past `queueLimit` events are
   * dropped and counted (`meshgate_lineage_events_dropped_total`), never waited for.
   * Off while `url` is unset.
   * @example { url: "http://marquez.internal:5000/api/v1/lineage", sampleRate: 0.1 }
   */
  lineage: z
    .strictObject({
      /** The collector's endpoint (Marquez: `/api/v1/lineage`). @default none (off) */
      url: z.url({ protocol: /^https?$/ }).optional(),
      /** Namespace of the jobs and product datasets. @default "meshgate" */
      namespace: z.string().min(1).default('meshgate'),
      /** Share of executed operations that get an event, 0 to 1. @default 1 */
      sampleRate: z.number().min(0).max(1).default(1),
      /** Events sent per flush. @default 50 */
      batchSize: z.number().int().positive().max(1000).default(50),
      /** How often queued events are sent, in ms. @default 1000 */
      flushIntervalMs: z.number().int().positive().max(MAX_TIMER_MS).default(1000),
      /** Most events waiting to be sent; later ones are dropped and counted. @default 10000 */
      queueLimit: z.number().int().positive().default(10_000),
      /** Longest wait for the collector to take one event, in ms. @default 5000 */
      timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(5000),
    })
    .prefault({}),
  /**
   * The catalog at `/catalog` and `/catalog.json`. It reads product descriptors, SDL and
   * `schema/lineage.json` from the mesh repository.
   */
  catalog: z
    .strictObject({
      /** Serve the catalog. @default true */
      enabled: z.boolean().default(true),
      /** The mesh repository to read products from. @default this repository */
      meshRoot: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * The MCP endpoint at `/mcp` (streamable HTTP): AI agents list the data products, describe
   * one and run GraphQL queries, each under the caller's own token and every rule `/graphql`
   * applies. Its product descriptions come from the catalog's sources (`catalog.meshRoot`).
   */
  mcp: z
    .strictObject({
      /** Serve `/mcp`. @default true in development, false in production */
      enabled: z.boolean().optional(),
    })
    .prefault({}),
});

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
type ParsedConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfig = ParsedConfig & {
  introspection: boolean;
  sandbox: boolean;
  explorer: boolean;
  auth: ParsedConfig['auth'] & { allowAnonymous: boolean };
  mcp: { enabled: boolean };
  agreements: ParsedConfig['agreements'] & { enforce: boolean };
};

/** Validates a config object (from a file, env and flags, or a test) and fills defaults. */
export function resolveGatewayConfig(input: unknown, source = 'gateway config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, describeIssues(result.error.issues, input));
  const config = result.data;
  const development = config.mode === 'development';
  if (!development && config.exposeErrorDetails) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, ['exposeErrorDetails: must be false in production mode (got true)']);
  }
  // Agreements live in the registry: enforcing them without one would refuse every governed field.
  if (config.agreements.enforce && !config.registry.url) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, ['agreements.enforce: needs registry.url, where agreements are kept (got true without a registry)']);
  }
  return {
    ...config,
    introspection: config.introspection ?? development,
    sandbox: config.sandbox ?? development,
    explorer: config.explorer ?? development,
    auth: { ...config.auth, allowAnonymous: config.auth.allowAnonymous ?? development },
    mcp: { ...config.mcp, enabled: config.mcp.enabled ?? development },
    agreements: { ...config.agreements, enforce: config.agreements.enforce ?? (!development && config.registry.url !== undefined) },
  };
}
