import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inc } from 'semver';
import { expect } from 'vitest';
import { callRegistry, type RegistryAnswer } from './registry-call.ts';
import { parseDocument } from 'yaml';
import { registryPages } from '../../gateway/catalog/registry-pages.ts';
import { safeParseDescriptor, type Classification } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { loadRegistryConfig, RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { modelSubgraph } from '../../schema/product/subgraph-model.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A demo product's published baseline, as `registry import` sends it. */
export function publishedBaseline(name: string): { product: string; descriptor: string; sdl: string } {
  const dir = join(ROOT, 'schema', 'published', name);
  return { product: name, descriptor: readFileSync(join(dir, 'product.yaml'), 'utf8'), sdl: readFileSync(join(dir, 'schema.graphql'), 'utf8') };
}

/** The classifications of a product's fields, from its descriptor. */
export function classificationsOf(descriptor: string): Set<Classification> {
  const parsed = safeParseDescriptor(descriptor);
  return new Set(parsed.ok ? Object.values(parsed.descriptor.fields).map((f) => f.classification) : []);
}

/** The first demo product with a field of `level`, read from the baselines rather than named here. */
export function productWith(level: Classification, except: readonly string[] = []): string {
  const found = DEMO_MESH.map((m) => m.name).find((name) => !except.includes(name) && classificationsOf(publishedBaseline(name).descriptor).has(level));
  expect(found, `a demo product with a ${level} field`).toBeDefined();
  return found!;
}

export interface AgreementRegistry {
  registry: Registry;
  server: RunningRegistry;
  /** Tokens by holder: platform, gateway, steward, a consumer's (`consumer:<name>`), each product's (its name). */
  tokens: Record<string, string>;
  call(method: string, path: string, token: string, body?: unknown): Promise<RegistryAnswer>;
  close(): Promise<void>;
}

/**
 * A registry seeded with the demo mesh's published baselines (build 1), with a token for
 * each role the agreements flow has, from the environment variables the README names.
 * `now` is the registry's clock for agreements.
 */
export async function startAgreementRegistry(location: string, options: { consumers: string[]; now?: () => Date; pages?: boolean }): Promise<AgreementRegistry> {
  const token = () => randomBytes(16).toString('hex');
  const tokens: Record<string, string> = { platform: token(), gateway: token(), steward: token() };
  const env: Record<string, string> = { MESHGATE_REGISTRY_PLATFORM_TOKEN: tokens.platform!, MESHGATE_REGISTRY_GATEWAY_TOKEN: tokens.gateway!, MESHGATE_REGISTRY_STEWARD_TOKEN: tokens.steward! };
  const upper = (name: string) => name.toUpperCase().replaceAll('-', '_');
  for (const member of DEMO_MESH) env[`MESHGATE_REGISTRY_PRODUCT_TOKEN_${upper(member.name)}`] = tokens[member.name] = token();
  for (const consumer of options.consumers) env[`MESHGATE_REGISTRY_CONSUMER_TOKEN_${upper(consumer)}`] = tokens[`consumer:${consumer}`] = token();
  const registry = await Registry.open(await openRegistryStore(location), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8'), now: options.now });
  const imported = await registry.importMesh(
    DEMO_MESH.map((m) => publishedBaseline(m.name)),
    'platform',
  );
  expect(imported.ok, JSON.stringify(imported)).toBe(true);
  const pages = options.pages ? registryPages(registry) : undefined;
  const server = await startRegistryServer({ registry, tokens: new RegistryTokens(loadRegistryConfig(undefined, env)), log: () => {}, pages: pages?.render });
  return {
    registry,
    server,
    tokens,
    call: (method, path, bearer, body) => callRegistry(server.url, method, path, bearer, body),
    async close() {
      await server.close();
      pages?.close();
      await registry.close();
    },
  };
}

/** A query that reads one field of `level` from `product`, found from its descriptor's list queries rather than named here. */
export function probeQuery(product: string, level: Classification): { coordinate: string; query: string; path: string[] } {
  return probeQueryWhere(product, `a ${level}`, (field) => field.classification === level);
}

/** The field a probe may pick: its classification and its deprecation reason, if any. */
export interface ProbeCandidate {
  classification: Classification;
  deprecationReason: string | undefined;
}

/**
 * A query that reads one scalar field of `product` that `accept` takes, on a type with a list
 * query without arguments, found from its descriptor rather than named here.
 */
export function probeQueryWhere(product: string, what: string, accept: (field: ProbeCandidate) => boolean): { coordinate: string; query: string; path: string[] } {
  const { descriptor, sdl } = publishedBaseline(product);
  const parsed = safeParseDescriptor(descriptor);
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) throw new Error('unreachable');
  const model = modelSubgraph(sdl);
  for (const [coordinate, policy] of Object.entries(parsed.descriptor.fields)) {
    const [type, field] = coordinate.split('.') as [string, string];
    const list = parsed.descriptor.types?.[type]?.list;
    const definition = model.types.get(type)?.fields.get(field);
    if (!list || list.arguments || !definition || definition.args.length > 0 || model.types.get(definition.returnType)) continue;
    if (!accept({ classification: policy.classification, deprecationReason: definition.deprecationReason })) continue;
    const root = model.types.get('Query')?.fields.get(list.query);
    const connection = root && model.types.get(root.returnType)?.fields.has('edges');
    return connection
      ? { coordinate, query: `{ ${list.query} { edges { node { ${field} } } } }`, path: [list.query, 'edges', '0', 'node', field] }
      : { coordinate, query: `{ ${list.query} { ${field} } }`, path: [list.query, '0', field] };
  }
  throw new Error(`${product} has no ${what} scalar field on a type with a list query`);
}

/** `product`'s published baseline without the field at `coordinate` (and its descriptor entry), one major version up: a breaking removal. */
export function withoutField(product: string, coordinate: string): { product: string; descriptor: string; sdl: string } {
  const baseline = publishedBaseline(product);
  const parsed = safeParseDescriptor(baseline.descriptor);
  if (!parsed.ok) throw new Error(`${product}'s published descriptor does not parse`);
  const field = coordinate.slice(coordinate.indexOf('.') + 1);
  const sdl = baseline.sdl.replace(new RegExp(`\\n(\\s*"[^"\\n]*"\\n)?\\s*${field}: [^\\n]*@deprecated[^\\n]*`), '');
  const document = parseDocument(baseline.descriptor);
  expect(document.deleteIn(['fields', coordinate]), `${coordinate} in the descriptor`).toBe(true);
  document.set('version', inc(parsed.descriptor.version, 'major'));
  expect(sdl, `${coordinate} removed from the SDL`).not.toBe(baseline.sdl);
  return { product, descriptor: document.toString(), sdl };
}
