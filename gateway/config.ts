import * as z from 'zod';
import { describeIssues, formatProblem } from '../schema/product/descriptor.ts';
import { ConfigError, MeshErrorCode } from '../schema/protocol/error-codes.ts';

/**
 * The longest delay any `…Ms` key may take: Node's timers hold a signed 32-bit count of ms,
 * and past it they fire after 1 ms instead (with only a warning), so a "never" written as a
 * large number would turn into a busy loop.
 */
const MAX_TIMER_MS = 2_147_483_647;

const retrySchema = z.strictObject({
  /** Extra attempts after the first, for queries only; 0 turns retries off. */
  retries: z.number().int().min(0).max(10).default(2),
  /** First backoff in ms; each further one doubles, with full jitter. */
  baseDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(50),
  /** Cap on one backoff, in ms. */
  maxDelayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(1000),
});

const breakerSchema = z.strictObject({
  /** Consecutive failed fetches that open a product's breaker; a fetch and its retries count once. */
  failureThreshold: z.number().int().positive().default(5),
  /** How long an open breaker fails fast before one probe goes through, in ms. */
  openMs: z.number().int().positive().max(MAX_TIMER_MS).default(10_000),
});

const productTransportShape = {
  /** Time a product has to answer one fetch (headers and body), in ms. */
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
    /** Accepted signature algorithms. Symmetric (HS*) and `none` are never accepted. */
    algorithms: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
      .min(1)
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    /** Serve requests without a bearer token, as a principal with no scopes. @default true in development, false in production */
    allowAnonymous: z.boolean().optional(),
    /**
     * Oldest token accepted, in seconds since its `iat`, whatever its `exp` says. Every
     * token must carry `exp` and `iat`. @example 3600
     */
    maxTokenAgeSeconds: z.number().int().positive().default(86_400),
  })
  .refine((auth) => !(auth.jwksUrl && auth.publicKey), { message: 'set jwksUrl or publicKey, not both', path: ['jwksUrl'] })
  .refine((auth) => !(auth.jwksUrl || auth.publicKey) || (auth.issuer && auth.audience), { message: 'issuer and audience are required with a token key', path: ['issuer'] });

const accessSchema = z.strictObject({
  /**
   * What a denied field does: `filter` answers null with a FORBIDDEN_FIELD error at its path
   * and returns the rest; `reject` refuses the whole operation with FORBIDDEN_OPERATION.
   */
  mode: z.enum(['filter', 'reject']).default('filter'),
  /**
   * Serve a supergraph whose served fields include some with no classification and no
   * access directive, to every caller. Production refuses such a supergraph (at start and on
   * reload) unless this is on; development serves it. Turn it on for a supergraph composed
   * elsewhere whose owners govern access otherwise.
   * @example true
   */
  allowUnclassifiedFields: z.boolean().default(false),
  /**
   * Token scope of an operator: a caller whose verified token holds it is shown which
   * clients use a deprecated field (the catalog's recent usage). Nobody else is, anonymous
   * callers never.
   */
  operatorScope: z.string().min(1).default('meshgate:operator'),
});

const previewSchema = z.strictObject({
  /** Request header a client sends as `true` to see preview fields. */
  header: z.string().min(1).toLowerCase().default('x-meshgate-preview'),
  /** Token scope that opts a client in without the header. */
  scope: z.string().min(1).default('meshgate:preview'),
});

/**
 * The gateway's configuration: a YAML file (`meshgate.yaml`, or `--config`), then
 * environment variables on top, then CLI flags (read by `loadGatewayConfig`). Validated once at start-up; every problem
 * is reported with its path and the value found there.
 */
// Every section is `.prefault({})`: an absent section is parsed as `{}`, so each default is
// written once, on its own key, and a section's defaults cannot drift from its schema. The
// README's reference is generated from these keys, their `.default()` and their comments, so
// a comment gives `@default` only for a key zod has none for (what happens when it is unset).
export const gatewayConfigSchema = z.strictObject({
  /** Port to listen on; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(4000),
  /** Interface to bind. @example "0.0.0.0" */
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
  /** `production` turns off the explorer, Sandbox, introspection, `/mcp` and development signing keys unless configured on; `NODE_ENV=production` sets it. */
  mode: z.enum(['development', 'production']).default('development'),
  supergraph: z
    .strictObject({
      /** Path of the supergraph SDL file. */
      file: z.string().min(1).default('schema/supergraph.graphql'),
      /** Reload the file when it changes; an invalid one is refused and the last good one kept. */
      watch: z.boolean().default(true),
      /**
       * Also poll this URL for the supergraph (conditional GET with ETag); it wins over the file.
       * @example "https://registry.internal/supergraph.graphql"
       */
      url: z.url().optional(),
      /** How often `url` is polled, in ms. */
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
      /** The registry's base URL; `meshgate serve --registry URL` sets it too. @default none (serve the supergraph file) */
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
  /** Allow introspection. Off also takes the "Did you mean …?" suggestions out of every error. @default true in development, false in production */
  introspection: z.boolean().optional(),
  /** Serve Apollo Sandbox at GET /sandbox (it loads from Apollo's servers). @default true in development, false in production */
  sandbox: z.boolean().optional(),
  /** Serve the GraphiQL explorer from the gateway itself at GET / and /explorer. @default true in development, false in production */
  explorer: z.boolean().optional(),
  /** Largest request body accepted, in bytes; a larger one gets BODY_TOO_LARGE. */
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /**
   * State shared by gateway replicas (persisted queries, caches, rate limits). Without a
   * Redis URL each replica keeps its own in memory.
   */
  sharedState: z
    .strictObject({
      /** Redis for the state replicas share; without it, each keeps its own in memory. @example "redis://redis.internal:6379" */
      redisUrl: z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
        .optional(),
      /** Prefix of every key, so several meshes can share one Redis. */
      keyPrefix: z.string().default('meshgate:'),
      /**
       * Longest wait for one Redis reply, in ms. Past it the command counts as failed and the
       * replica serves from memory until Redis answers again, so a frozen Redis costs a
       * request at most this long.
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
      /** Keep product answers, and whole answers to repeated queries, until a product's watermark moves. */
      enabled: z.boolean().default(false),
      /** Most entries this gateway keeps; the oldest written go first. */
      maxEntries: z.number().int().positive().default(10_000),
      /**
       * How often a product's watermark is re-checked, in ms: the longest a changed product
       * can still be answered from the cache. 0 checks before every fetch.
       */
      watermarkCheckMs: z.number().int().min(0).max(MAX_TIMER_MS).default(1_000),
      /** Whole answers kept per gateway (same query after access pruning and same variables: shared by callers with equal rights, whatever their token), least recently used first out. */
      maxAnswers: z.number().int().positive().default(1_000),
    })
    .prefault({}),
  /**
   * Query plans kept warm across supergraph reloads: how many of the most recently executed
   * distinct operations are re-planned in the background when a new supergraph is loaded,
   * so that requests after a reload do not all pay for planning at once. 0 turns it off.
   */
  warmQueryPlans: z.number().int().min(0).max(10_000).default(200),
  /**
   * Inbound request coalescing: an identical query (same operation after access pruning,
   * same variables and preview opt-in: callers with equal rights, whatever their token)
   * that arrives while one is executing shares that execution's answer
   * instead of fetching again. Nothing is kept afterwards; mutations never coalesce.
   */
  coalesceQueries: z.boolean().default(true),
  /**
   * Progressive `@override(from:, label:)`: which override labels are on for a request. A
   * `percent(N)` label is drawn per request; any other label is on when `labels` says so, or
   * when the request's `header` names it (comma-separated). Labels the supergraph does not
   * use, and `percent(...)` labels, are ignored in the header: the draw is the gateway's.
   * @example { labels: { "pricing-v2": true }, header: "x-meshgate-override" }
   */
  override: z
    .strictObject({
      /** Custom labels switched on (true) or off (false) for every request. */
      labels: z.record(z.string().min(1), z.boolean()).default({}),
      /** A request header that may switch more custom labels on, e.g. for a canary client. A longer value than 512 bytes or 16 labels is refused with OVERRIDE_HEADER_INVALID. */
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
      /** Most tokens a bucket holds: the burst a caller may send at once. */
      capacity: z.number().int().positive(),
      /** Tokens put back in each bucket per second: the rate a caller may keep up. */
      refillPerSecond: z.number().positive(),
      /**
       * Whose bucket a request draws from: its address (`ip`), its `apollographql-client-name`
       * (`client`), or its verified token's subject (`principal`). Without a client name or a
       * valid token, a request draws from its address's bucket.
       */
      by: z.enum(['ip', 'client', 'principal']).default('ip'),
    })
    .optional(),
  /**
   * Show original error messages and stack traces to clients. Development only: they can
   * name tables, columns, files and product URLs. Refused in production.
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
      /** The verified token claim naming the caller's application (OAuth `azp`, `client_id`…). */
      applicationClaim: z.string().min(1).max(100).default('azp'),
    })
    .prefault({}),
  /** Opt-in to fields tagged `@tag(name: "preview")`. */
  preview: previewSchema.prefault({}),
  /** Batched requests (a JSON array of operations in one POST). */
  batching: z
    .strictObject({
      /** Accept batches at all; off, a batch gets BATCHING_DISABLED. */
      enabled: z.boolean().default(false),
      /** Most operations in one batch (BATCH_TOO_LARGE beyond). */
      maxOperations: z.number().int().positive().default(10),
    })
    .prefault({}),
  /**
   * Shape limits checked before validation, each refused with its own code.
   * @example { maxDepth: 10, maxAliases: 20 }
   */
  limits: z
    .strictObject({
      /** Deepest field nesting, fragments included (DEPTH_LIMIT_EXCEEDED). */
      maxDepth: z.number().int().positive().default(15),
      /** Most aliased fields in a document (ALIAS_LIMIT_EXCEEDED). */
      maxAliases: z.number().int().min(0).default(30),
      /** Most lexical tokens in a document, counted before parsing (TOKEN_LIMIT_EXCEEDED). */
      maxTokens: z.number().int().positive().default(5000),
      /** Most directives used in a document (DIRECTIVE_LIMIT_EXCEEDED). */
      maxDirectives: z.number().int().min(0).default(50),
      /**
       * Most fields a document selects once fragment spreads are expanded, counted before
       * validation (SELECTION_LIMIT_EXCEEDED): a few fragments that each spread the next
       * twice expand exponentially.
       */
      maxSelections: z.number().int().positive().default(10_000),
      /** Most `@defer` fragments in an operation (DEFER_LIMIT_EXCEEDED): each is a part the gateway holds a response open for. */
      maxDefers: z.number().int().min(0).default(8),
      /** Deepest nesting of `@defer` inside `@defer` (DEFER_LIMIT_EXCEEDED). */
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
      /** `off`; `measure` logs operations over `maxCost`; `enforce` refuses them with COST_LIMIT_EXCEEDED. */
      mode: z.enum(['off', 'measure', 'enforce']).default('measure'),
      /** Largest estimated cost accepted. */
      maxCost: z.number().int().positive().default(5000),
      /** Size assumed for a list field without `@listSize` or a slicing argument. */
      defaultListSize: z.number().int().min(0).default(10),
    })
    .prefault({}),
  /** Automatic persisted queries and the operation safelist. */
  persistedOperations: z
    .strictObject({
      /** Accept APQ (`extensions.persistedQuery` with a sha256 hash). */
      apq: z.boolean().default(true),
      /** Most queries the in-memory APQ store keeps. */
      apqMaxEntries: z.number().int().positive().default(1000),
      /**
       * Accept only operations listed in an Apollo persisted-query-list manifest.
       * @example { manifest: "persisted-query-manifest.json", mode: "enforce" }
       */
      safelist: z
        .strictObject({
          /** Path of the manifest (`format: "apollo-persisted-query-manifest", version: 1`). */
          manifest: z.string().min(1),
          /** `enforce` refuses unknown operations with OPERATION_NOT_IN_SAFELIST; `log` only logs them. */
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
       * `/ready`. Off, it says only ready or not and each product's state.
       */
      details: z.boolean().default(false),
    })
    .prefault({}),
  /** Graceful shutdown on SIGTERM. */
  shutdown: z
    .strictObject({
      /** Longest wait for in-flight requests before connections are cut, in ms. */
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
      /** Open connections kept per product. */
      connectionsPerProduct: z.number().int().positive().default(64),
      /** How long an idle connection to a product stays open, in ms. */
      keepAliveTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(30_000),
      /**
       * Identical query fetches to a product that are in flight at once share one request
       * (mutations never do). Products are sent nothing about the caller, so they answer
       * the same to everyone.
       */
      dedupe: z.boolean().default(true),
      /**
       * The largest answer a product may send, in bytes: past it the fetch is aborted and
       * answered as PRODUCT_ERROR. Answers are read whole before they are parsed, so without
       * a bound one faulty or hostile product could fill the gateway's memory.
       */
      maxResponseBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
      /** Per-product overrides of `timeoutMs`, `retry` and `breaker`. */
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
      /** Persist usage at all (the `/metrics` field counters count either way). */
      enabled: z.boolean().default(true),
      /** The embedded store: a JSON-lines file. */
      file: z.string().min(1).default('.meshgate/usage.jsonl'),
      /** Store usage in Postgres instead, shared by every replica. @example "postgres://meshgate@db:5432/ops" */
      postgresUrl: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
      /** How often buffered counts are written out, in milliseconds. */
      flushIntervalMs: z.number().int().positive().max(MAX_TIMER_MS).default(5_000),
      /**
       * Client names (`apollographql-client-name`) whose usage is recorded even when they
       * call anonymously. Authenticated callers are always recorded; anonymous ones are
       * not, so no one can keep a deprecated field "in use" by calling it under a made-up
       * name. A name here is taken on the client's word: list only names on a network you
       * trust. @example ["sales-dashboard"]
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
      /** Client names always recorded under their own name. */
      knownClients: z.array(z.string().min(1).max(64)).default([]),
      /** Distinct values kept per label (client, client version, operation); later ones are recorded as `other`. */
      maxLabelValues: z.number().int().min(1).max(10_000).default(100),
      /** Distinct label combinations kept per request metric; later ones fold into `other`. */
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
      /** Namespace of the jobs and product datasets. */
      namespace: z.string().min(1).default('meshgate'),
      /** Share of executed operations that get an event, 0 to 1. */
      sampleRate: z.number().min(0).max(1).default(1),
      /** Events sent per flush. */
      batchSize: z.number().int().positive().max(1000).default(50),
      /** How often queued events are sent, in ms. */
      flushIntervalMs: z.number().int().positive().max(MAX_TIMER_MS).default(1000),
      /** Most events waiting to be sent; later ones are dropped and counted. */
      queueLimit: z.number().int().positive().default(10_000),
      /** Longest wait for the collector to take one event, in ms. */
      timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(5000),
    })
    .prefault({}),
  /**
   * The catalog at `/catalog` and `/catalog.json`. It reads product descriptors, SDL and
   * `schema/lineage.json` from the mesh repository.
   */
  catalog: z
    .strictObject({
      /** Serve the catalog. */
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

/**
 * Keys the gateway once read and reads no more, each with what replaced it (and the
 * environment variable that set it, if one did). A config that still sets one is refused
 * rather than started on a setting it would ignore. Removing a key is one row here.
 */
export const REMOVED_CONFIG_KEYS: readonly { readonly path: readonly string[]; readonly env?: string; readonly replacedBy: string }[] = [
  { path: ['engine'], env: 'MESHGATE_ENGINE', replacedBy: 'meshgate always executes query plans with its own executor' },
  { path: ['access', 'governanceFile'], replacedBy: 'classifications and policies come from the supergraph, where composition compiled them' },
  { path: ['access', 'productsDir'], replacedBy: "products' metadata and access directives come from the supergraph, where composition compiled them" },
];

/** The one line that refuses a removed key, from a file or from the environment. */
export function removedKeyProblem(name: string, replacedBy: string, got: unknown): string {
  return formatProblem({ path: name, message: `was removed: ${replacedBy}`, got: JSON.stringify(got) });
}

/** The removed keys `input` sets, as problems, and `input` without them (so validation does not report them again as unknown). */
function withoutRemovedKeys(input: unknown): { problems: string[]; rest: unknown } {
  const problems: string[] = [];
  let rest = input;
  for (const { path, replacedBy } of REMOVED_CONFIG_KEYS) {
    const parents = path.slice(0, -1);
    const key = path.at(-1)!;
    const parent = parents.reduce<unknown>((section, name) => (isSection(section) ? section[name] : undefined), rest);
    if (!isSection(parent) || !Object.hasOwn(parent, key)) continue;
    problems.push(removedKeyProblem(path.join('.'), replacedBy, parent[key]));
    rest = withoutPath(rest as Record<string, unknown>, path);
  }
  return { problems, rest };
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `section` without the key at `path`, copying each section on the way rather than changing the caller's. */
function withoutPath(section: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [key, ...rest] = path as [string, ...string[]];
  const { [key]: value, ...others } = section;
  return rest.length === 0 ? others : { ...others, [key]: withoutPath(value as Record<string, unknown>, rest) };
}

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
  const removed = withoutRemovedKeys(input ?? {});
  const result = gatewayConfigSchema.safeParse(removed.rest);
  const problems = [...removed.problems, ...(result.success ? [] : describeIssues(result.error.issues, removed.rest))];
  if (!result.success || problems.length > 0) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, problems);
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
