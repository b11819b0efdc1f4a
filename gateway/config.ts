import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../schema/descriptor.ts';
import { ConfigError, MeshErrorCode } from './error-codes.ts';

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
    })
    .default({ file: 'schema/supergraph.graphql' }),
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
    })
    .default({ keyPrefix: 'meshgate:' }),
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
      flushIntervalMs: z.number().int().positive().default(5_000),
    })
    .default({ enabled: true, file: '.meshgate/usage.jsonl', flushIntervalMs: 5_000 }),
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
    .default({ enabled: true }),
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
 * `MESHGATE_SANDBOX`, `MESHGATE_REDIS_URL` (or `REDIS_URL`), `MESHGATE_USAGE_FILE`, `MESHGATE_USAGE_POSTGRES_URL`, `NODE_ENV=production`, and `MESHGATE_SUBGRAPH_URL_<PRODUCT>` where
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
  const redisUrl = env.MESHGATE_REDIS_URL ?? env.REDIS_URL;
  if (redisUrl) merged.sharedState = { ...(merged.sharedState as object), redisUrl };
  if (env.MESHGATE_USAGE_POSTGRES_URL) merged.usage = { ...(merged.usage as object), postgresUrl: env.MESHGATE_USAGE_POSTGRES_URL };
  if (env.MESHGATE_USAGE_FILE) merged.usage = { ...(merged.usage as object), file: env.MESHGATE_USAGE_FILE };
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
