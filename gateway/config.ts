import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../schema/descriptor.ts';
import { ConfigError, MeshErrorCode } from './error-codes.ts';

const retrySchema = z.strictObject({
  /** Extra attempts after the first, for queries only; 0 turns retries off. @default 2 */
  retries: z.number().int().min(0).max(10).default(2),
  /** First backoff in ms; each further one doubles, with full jitter. @default 50 */
  baseDelayMs: z.number().int().min(0).default(50),
  /** Cap on one backoff, in ms. @default 1000 */
  maxDelayMs: z.number().int().min(0).default(1000),
});

const breakerSchema = z.strictObject({
  /** Consecutive failed fetches that open a product's breaker. @default 5 */
  failureThreshold: z.number().int().positive().default(5),
  /** How long an open breaker fails fast before one probe goes through, in ms. @default 10000 */
  openMs: z.number().int().positive().default(10_000),
});

const productTransportShape = {
  /** Time a product has to answer one fetch (headers and body), in ms. @default 10000 */
  timeoutMs: z.number().int().positive().default(10_000),
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
};

const productTransportOverrideShape = {
  timeoutMs: z.number().int().positive().optional(),
  retry: retrySchema.partial().optional(),
  breaker: breakerSchema.partial().optional(),
};

/**
 * The gateway's configuration: a YAML file (`meshgate.yaml`, or `--config`), then
 * environment variables on top, then CLI flags. Validated once at start-up; every problem
 * is reported with its path and the value found there.
 */
export const gatewayConfigSchema = z.strictObject({
  /** Port to listen on; 0 picks a free one. @default 4000 */
  port: z.number().int().min(0).max(65535).default(4000),
  /** Interface to bind. @default "127.0.0.1" @example "0.0.0.0" */
  host: z.string().min(1).default('127.0.0.1'),
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
      pollIntervalMs: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
  /**
   * Subgraph URL per product name, replacing the URL in the supergraph.
   * @example { sales: "https://sales.internal/graphql" }
   */
  subgraphUrls: z.record(z.string(), z.url()).default({}),
  /** Allow introspection. @default true in development, false in production */
  introspection: z.boolean().optional(),
  /** Serve Apollo Sandbox at GET /. @default true in development, false in production */
  sandbox: z.boolean().optional(),
  /** Largest request body accepted, in bytes. @default 1048576 */
  maxBodyBytes: z.number().int().positive().default(1_048_576),
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
  /** Graceful shutdown on SIGTERM. */
  shutdown: z
    .strictObject({
      /** Longest wait for in-flight requests before connections are cut, in ms. @default 30000 */
      drainTimeoutMs: z.number().int().min(0).default(30_000),
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
      keepAliveTimeoutMs: z.number().int().positive().default(30_000),
      /** Per-product overrides of `timeoutMs`, `retry` and `breaker`. @default {} */
      products: z.record(z.string(), z.strictObject(productTransportOverrideShape)).default({}),
    })
    .prefault({}),
});

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema> & { introspection: boolean; sandbox: boolean };

/** Validates a config object (from a file, env and flags, or a test) and fills defaults. */
export function resolveGatewayConfig(input: unknown, source = 'gateway config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, describeIssues(result.error.issues, input));
  const config = result.data;
  const development = config.mode === 'development';
  return { ...config, introspection: config.introspection ?? development, sandbox: config.sandbox ?? development };
}

const SUBGRAPH_URL_PREFIX = 'MESHGATE_SUBGRAPH_URL_';

/**
 * Reads `meshgate.yaml` (or `configPath`) and the environment:
 * `MESHGATE_PORT`, `MESHGATE_HOST`, `MESHGATE_SUPERGRAPH`, `MESHGATE_INTROSPECTION`,
 * `MESHGATE_SANDBOX`, `NODE_ENV=production`, and `MESHGATE_SUBGRAPH_URL_<PRODUCT>` where
 * `<PRODUCT>` is the product name in upper case with `-` as `_` (`CUSTOMER_INSIGHTS`).
 */
export function loadGatewayConfig(options: { configPath?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const path = options.configPath ?? env.MESHGATE_CONFIG ?? (existsSync('meshgate.yaml') ? 'meshgate.yaml' : undefined);
  let fromFile: Record<string, unknown> = {};
  if (path) {
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, ['file does not exist']);
    try {
      fromFile = (parseYaml(readFileSync(absolute, 'utf8')) as Record<string, unknown>) ?? {};
    } catch (error) {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, [`not valid YAML: ${(error as Error).message}`]);
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  const problems: string[] = [];
  const readBoolean = (name: string): boolean | undefined => {
    const value = env[name];
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    problems.push(`${name}: must be true or false (got ${JSON.stringify(value)})`);
    return undefined;
  };
  if (env.MESHGATE_PORT !== undefined) merged.port = Number(env.MESHGATE_PORT);
  if (env.MESHGATE_HOST) merged.host = env.MESHGATE_HOST;
  if (env.NODE_ENV === 'production') merged.mode = 'production';
  if (env.MESHGATE_SUPERGRAPH) merged.supergraph = { ...(merged.supergraph as object), file: env.MESHGATE_SUPERGRAPH };
  const introspection = readBoolean('MESHGATE_INTROSPECTION');
  if (introspection !== undefined) merged.introspection = introspection;
  const sandbox = readBoolean('MESHGATE_SANDBOX');
  if (sandbox !== undefined) merged.sandbox = sandbox;
  const urls: Record<string, unknown> = { ...(merged.subgraphUrls as object) };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(SUBGRAPH_URL_PREFIX) && value) urls[name.slice(SUBGRAPH_URL_PREFIX.length).toLowerCase().replaceAll('_', '-')] = value;
  }
  merged.subgraphUrls = urls;
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'environment', problems);
  for (const [key, value] of Object.entries(options.overrides ?? {})) if (value !== undefined) merged[key] = value;
  return resolveGatewayConfig(merged, path ?? 'gateway config');
}
