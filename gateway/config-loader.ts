import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, MeshErrorCode } from '../schema/protocol/error-codes.ts';
import { REMOVED_CONFIG_KEYS, removedKeyProblem, resolveGatewayConfig, type GatewayConfig } from './config.ts';

/** Reads one environment variable's text as a config value: the value, SKIP to leave the config alone, or a problem. */
type EnvParser = (value: string) => unknown;
const SKIP = Symbol('skip');
class EnvProblem {
  constructor(readonly message: string) {}
}

const text: EnvParser = (value) => value || SKIP;
/** A comma-separated list; empty items are dropped. */
const list: EnvParser = (value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const number: EnvParser = (value) => Number(value);
const boolean: EnvParser = (value) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return new EnvProblem(`must be true or false (got ${JSON.stringify(value)})`);
};

/**
 * The environment overlay: each variable, the config path it sets, and how its text is
 * read. Applied in this order, so a later row wins where two set one path. The README's
 * configuration reference is generated from this table and the config schema.
 */
export const ENVIRONMENT: readonly { env: string; path: readonly string[]; parse: EnvParser }[] = [
  { env: 'MESHGATE_PORT', path: ['port'], parse: number },
  { env: 'MESHGATE_HOST', path: ['host'], parse: text },
  { env: 'MESHGATE_ALLOWED_HOSTS', path: ['allowedHosts'], parse: list },
  { env: 'NODE_ENV', path: ['mode'], parse: (value) => (value === 'production' ? 'production' : SKIP) },
  { env: 'REDIS_URL', path: ['sharedState', 'redisUrl'], parse: text },
  { env: 'MESHGATE_REDIS_URL', path: ['sharedState', 'redisUrl'], parse: text },
  { env: 'MESHGATE_USAGE_POSTGRES_URL', path: ['usage', 'postgresUrl'], parse: text },
  { env: 'MESHGATE_USAGE_FILE', path: ['usage', 'file'], parse: text },
  { env: 'MESHGATE_SUPERGRAPH', path: ['supergraph', 'file'], parse: text },
  { env: 'MESHGATE_REGISTRY_URL', path: ['registry', 'url'], parse: text },
  { env: 'MESHGATE_REGISTRY_TOKEN', path: ['registry', 'token'], parse: text },
  { env: 'MESHGATE_INTROSPECTION', path: ['introspection'], parse: boolean },
  { env: 'MESHGATE_CACHE', path: ['cache', 'enabled'], parse: boolean },
  { env: 'MESHGATE_COALESCE_QUERIES', path: ['coalesceQueries'], parse: boolean },
  { env: 'MESHGATE_OVERRIDE_HEADER', path: ['override', 'header'], parse: text },
  { env: 'MESHGATE_SANDBOX', path: ['sandbox'], parse: boolean },
  { env: 'MESHGATE_EXPLORER', path: ['explorer'], parse: boolean },
  { env: 'MESHGATE_MCP', path: ['mcp', 'enabled'], parse: boolean },
  { env: 'MESHGATE_JWKS_URL', path: ['auth', 'jwksUrl'], parse: text },
  { env: 'MESHGATE_JWT_ISSUER', path: ['auth', 'issuer'], parse: text },
  { env: 'MESHGATE_JWT_AUDIENCE', path: ['auth', 'audience'], parse: text },
  { env: 'MESHGATE_ALLOW_ANONYMOUS', path: ['auth', 'allowAnonymous'], parse: boolean },
  { env: 'MESHGATE_ACCESS_MODE', path: ['access', 'mode'], parse: text },
  { env: 'MESHGATE_LINEAGE_URL', path: ['lineage', 'url'], parse: text },
];

/** `MESHGATE_SUBGRAPH_URL_<PRODUCT>`: the product name in upper case with `-` as `_` (`CUSTOMER_INSIGHTS`). */
export const SUBGRAPH_URL_PREFIX = 'MESHGATE_SUBGRAPH_URL_';

/**
 * Reads `meshgate.yaml` (or `configPath`, or `MESHGATE_CONFIG`), puts the environment on
 * top (the variables in {@link ENVIRONMENT} and `MESHGATE_SUBGRAPH_URL_<PRODUCT>`), then
 * `overrides` (CLI flags, top-level keys), and validates the result.
 */
export function loadGatewayConfig(options: { configPath?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const path = options.configPath ?? env.MESHGATE_CONFIG ?? (existsSync('meshgate.yaml') ? 'meshgate.yaml' : undefined);
  const merged: Record<string, unknown> = path ? readConfigFile(path) : {};
  const problems: string[] = [];
  for (const { env: name, path: keys, parse } of ENVIRONMENT) {
    const raw = env[name];
    if (raw === undefined) continue;
    const value = parse(raw);
    if (value instanceof EnvProblem) problems.push(`${name}: ${value.message}`);
    else if (value !== SKIP) setPath(merged, keys, value);
  }
  // Empty counts as unset, as for the variables above.
  for (const { env: name, replacedBy } of REMOVED_CONFIG_KEYS) if (name && env[name]) problems.push(removedKeyProblem(name, replacedBy, env[name]));
  const urls: Record<string, unknown> = { ...(merged.subgraphUrls as object) };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(SUBGRAPH_URL_PREFIX) && value) urls[name.slice(SUBGRAPH_URL_PREFIX.length).toLowerCase().replaceAll('_', '-')] = value;
  }
  merged.subgraphUrls = urls;
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'environment', problems);
  for (const [key, value] of Object.entries(options.overrides ?? {})) if (value !== undefined) merged[key] = value;
  return resolveGatewayConfig(merged, path ?? 'gateway config');
}

function readConfigFile(path: string): Record<string, unknown> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, ['file does not exist']);
  try {
    return (parseYaml(readFileSync(absolute, 'utf8')) as Record<string, unknown>) ?? {};
  } catch (error) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, [`not valid YAML: ${(error as Error).message}`]);
  }
}

/**
 * Sets `value` at `keys`, copying each section on the way rather than changing the file's.
 * A section the file gave as something other than a mapping is left as it is, so
 * validation names the file's bad value instead of the overlay hiding it.
 */
function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  const [key, ...rest] = keys as [string, ...string[]];
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const section = target[key];
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section))) return;
  const copy = { ...(section as Record<string, unknown> | undefined) };
  setPath(copy, rest, value);
  target[key] = copy;
}
