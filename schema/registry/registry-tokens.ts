import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { describeIssues, PRODUCT_NAME } from '../product/descriptor.ts';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import { checkLimitsSchema, DEFAULT_CHECK_LIMITS } from './check-limits.ts';

/**
 * Who a registry token speaks for. A platform token may do everything but decide on access
 * agreements; a product token publishes and checks its own product only, and decides as its
 * owner on agreements for it; a gateway token reads the supergraph and agreements and posts
 * usage; a steward token (data governance) decides governed changes of access and, where
 * governance asks a steward, access agreements; a consumer token registers its one consumer
 * and requests access for it. Every kind may read the mesh.
 */
export type RegistryPrincipal =
  | { kind: 'platform'; name: string }
  | { kind: 'steward'; name: string }
  | { kind: 'product'; name: string; product: string }
  | { kind: 'gateway'; name: string }
  | { kind: 'consumer'; name: string; consumer: string };

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * One token. It is given either as itself or, so a config file need not hold secrets, as
 * its SHA-256 in hex; a product token names the one product it may publish.
 */
const tokenSchema = z
  .strictObject({
    kind: z.enum(['platform', 'steward', 'product', 'gateway', 'consumer']),
    /** Who holds it: recorded as the publisher of what it publishes. */
    name: z.string().min(1).max(100),
    product: z.string().regex(PRODUCT_NAME, 'must be a product name in kebab-case').optional(),
    /** The one consumer (application) a consumer token speaks for. */
    consumer: z.string().regex(PRODUCT_NAME, 'must be a consumer name in kebab-case').optional(),
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    sha256: z.string().regex(SHA256, 'must be 64 lower-case hex digits').optional(),
  })
  .refine((entry) => (entry.token === undefined) !== (entry.sha256 === undefined), 'give exactly one of token and sha256')
  .refine((entry) => (entry.kind === 'product') === (entry.product !== undefined), 'a product token names its product; other kinds do not')
  .refine((entry) => (entry.kind === 'consumer') === (entry.consumer !== undefined), 'a consumer token names its consumer; other kinds do not');

/**
 * The registry's config file (`--config`, YAML).
 * @example
 * tokens:
 *   - { kind: platform, name: platform-team, sha256: "…64 hex…" }
 *   - { kind: product, name: sales-ci, product: sales, token: "…" }
 *   - { kind: gateway, name: edge, token: "…" }
 */
const registryConfigSchema = z.strictObject({
  tokens: z.array(tokenSchema).default([]),
  /** Largest request body accepted, in bytes. @default 1048576 */
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /** What one contract may ask of a check: sizes, counts and time (`CheckLimits`). */
  limits: checkLimitsSchema.default(DEFAULT_CHECK_LIMITS),
  /** Governance the registry starts with when none was ever set (a path to governance.yaml). @default the package's schema/governance.yaml */
  governanceFile: z.string().min(1).optional(),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;

/** `MESHGATE_REGISTRY_PRODUCT_TOKEN_<PRODUCT>`: the product name in upper case with `-` as `_`. */
const PRODUCT_TOKEN_PREFIX = 'MESHGATE_REGISTRY_PRODUCT_TOKEN_';
/** `MESHGATE_REGISTRY_CONSUMER_TOKEN_<CONSUMER>`, named as product tokens are. */
const CONSUMER_TOKEN_PREFIX = 'MESHGATE_REGISTRY_CONSUMER_TOKEN_';

/**
 * Reads the config file (if any) and adds the tokens from the environment:
 * `MESHGATE_REGISTRY_PLATFORM_TOKEN`, `MESHGATE_REGISTRY_STEWARD_TOKEN`, `MESHGATE_REGISTRY_GATEWAY_TOKEN`,
 * `MESHGATE_REGISTRY_PRODUCT_TOKEN_<PRODUCT>` and `MESHGATE_REGISTRY_CONSUMER_TOKEN_<CONSUMER>`.
 */
export function loadRegistryConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    if (!existsSync(path)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, ['file does not exist']);
    try {
      raw = (parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>) ?? {};
    } catch (error) {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, [`not valid YAML: ${(error as Error).message}`]);
    }
  }
  const fromEnv: unknown[] = [];
  if (env.MESHGATE_REGISTRY_PLATFORM_TOKEN) fromEnv.push({ kind: 'platform', name: 'platform', token: env.MESHGATE_REGISTRY_PLATFORM_TOKEN });
  if (env.MESHGATE_REGISTRY_STEWARD_TOKEN) fromEnv.push({ kind: 'steward', name: 'steward', token: env.MESHGATE_REGISTRY_STEWARD_TOKEN });
  if (env.MESHGATE_REGISTRY_GATEWAY_TOKEN) fromEnv.push({ kind: 'gateway', name: 'gateway', token: env.MESHGATE_REGISTRY_GATEWAY_TOKEN });
  const named = (variable: string, prefix: string) => variable.slice(prefix.length).toLowerCase().replaceAll('_', '-');
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name.startsWith(PRODUCT_TOKEN_PREFIX)) {
      const product = named(name, PRODUCT_TOKEN_PREFIX);
      fromEnv.push({ kind: 'product', name: `${product}-team`, product, token: value });
    } else if (name.startsWith(CONSUMER_TOKEN_PREFIX)) {
      const consumer = named(name, CONSUMER_TOKEN_PREFIX);
      fromEnv.push({ kind: 'consumer', name: `${consumer}-app`, consumer, token: value });
    }
  }
  // A file's `tokens` that is not a list is left as it is, so validation names the bad value.
  const fileTokens = raw.tokens ?? [];
  const merged = { ...raw, tokens: Array.isArray(fileTokens) ? [...(fileTokens as unknown[]), ...fromEnv] : fileTokens };
  const result = registryConfigSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path ?? 'registry environment', describeIssues(result.error.issues, merged));
  return result.data;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Finds who a presented token belongs to. Only hashes are kept; the presented token is
 * hashed and compared with every known hash in constant time, and the loop never stops
 * early, so neither timing nor the order of the list tells a caller how close it came.
 */
export class RegistryTokens {
  private readonly entries: { hash: Buffer; principal: RegistryPrincipal }[];

  constructor(config: Pick<RegistryConfig, 'tokens'> & Partial<RegistryConfig>) {
    this.entries = config.tokens.map((entry) => {
      const hash = entry.token !== undefined ? sha256(entry.token) : Buffer.from(entry.sha256!, 'hex');
      const principal: RegistryPrincipal =
        entry.kind === 'product'
          ? { kind: 'product', name: entry.name, product: entry.product! }
          : entry.kind === 'consumer'
            ? { kind: 'consumer', name: entry.name, consumer: entry.consumer! }
            : { kind: entry.kind, name: entry.name };
      return { hash, principal };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  identify(token: string): RegistryPrincipal | undefined {
    const presented = sha256(token);
    let found: RegistryPrincipal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, presented) && found === undefined) found = entry.principal;
    }
    return found;
  }
}
