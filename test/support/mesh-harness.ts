import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { resolveGatewayConfig, type GatewayConfigInput } from '../../gateway/config.ts';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/create-gateway.ts';
import { createDataProduct, type DataProduct, type DataProductOptions, type RunningProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import type { DataStore } from '../../subgraphs/kit/store.ts';

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[]; extensions?: Record<string, any> };
}

export interface MeshHarness {
  gateway: RunningGateway;
  /** The gateway's token settings: another gateway given these trusts `token()`. */
  auth: NonNullable<GatewayConfigInput['auth']>;
  products: Record<string, { product: DataProduct; running: RunningProduct }>;
  /**
   * POSTs a GraphQL request to the gateway over HTTP, as an analyst holding every demo
   * scope unless `headers.authorization` says otherwise (`''` sends no token: anonymous).
   */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  /** SQL statements each product ran since the last `clearQueryLogs()`. */
  statements(product: string): readonly string[];
  /** GraphQL operations the gateway sent each product since the last `clearQueryLogs()`. */
  fetches(product: string): readonly string[];
  clearQueryLogs(): void;
  /** A bearer token signed with the key the gateway trusts, e.g. `token({ scope: 'pii:read' })`; any claim can be overridden. */
  token(claims?: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export const TEST_ISSUER = 'https://login.meshgate.test/';
export const TEST_AUDIENCE = 'meshgate';
/** Every scope the demo mesh's rules ask for. */
export const ANALYST_SCOPES = 'pii:read finance:read';

export interface MeshOptions {
  /** Options for a product, e.g. a store that misbehaves, by product name. */
  products?: Record<string, () => Promise<DataProductOptions>>;
  /** The gateway's clock, for freshness. */
  now?: () => number;
  /** Serve every product from this Postgres database instead of DuckDB. */
  storeUrl?: string;
  /** A store per product to serve from instead of its own (e.g. a writable copy); the caller closes it. */
  stores?: Record<string, DataStore>;
  /** Where the gateway logs (tests that read log lines). */
  logger?: Logger;
}

/** The demo products, each served on its own port, by name. */
export type MeshProducts = MeshHarness['products'];

/**
 * Starts every product of the demo mesh (subgraphs/demo-mesh.ts) on port 0, with the
 * options given per product. On failure, the products already started are closed.
 */
export async function startProducts(options: Pick<MeshOptions, 'products' | 'storeUrl' | 'stores'> = {}): Promise<MeshProducts> {
  const products: MeshProducts = {};
  try {
    for (const member of DEMO_MESH) {
      const product = await createDataProduct(member.definition, { storeUrl: options.storeUrl, store: options.stores?.[member.name], ...(await options.products?.[member.name]?.()) });
      products[member.name] = { product, running: await product.listen({ port: 0 }) };
    }
    return products;
  } catch (error) {
    await closeProducts(products);
    throw error;
  }
}

/**
 * Starts the demo products on port 0 and a real gateway in front of them, serving the
 * committed supergraph with its URLs overridden to the test ports: the same path a
 * deployment that points the gateway at remote products takes. `close()` closes both.
 */
export async function startMesh(config: Partial<GatewayConfigInput> = {}, options: MeshOptions = {}): Promise<MeshHarness> {
  const products = await startProducts(options);
  try {
    return await startGatewayFor(products, config, options, () => closeProducts(products));
  } catch (error) {
    await closeProducts(products);
    throw error;
  }
}

/**
 * A real gateway, with its own token key, in front of products that are already running.
 * `close()` closes the gateway, then runs `closeProducts` (which decides what happens to
 * the products: closed, or kept for the next test file).
 */
export async function startGatewayFor(
  products: MeshProducts,
  config: Partial<GatewayConfigInput>,
  options: Pick<MeshOptions, 'now' | 'logger'> & Pick<GatewayOptions, 'executor'>,
  closeProducts: () => Promise<void>,
): Promise<MeshHarness> {
  const subgraphUrls = Object.fromEntries(Object.entries(products).map(([name, p]) => [name, p.running.url]));
  // Tokens are signed with a key made for this mesh, as an identity provider would.
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const auth = { publicKey: await exportSPKI(publicKey), issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...config.auth };
  const token = (claims: JWTPayload = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'analyst@example.com', iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  };
  const analyst = await token({ scope: ANALYST_SCOPES });
  const gateway = await startGateway(
    resolveGatewayConfig({
      port: 0,
      supergraph: { file: 'schema/supergraph.graphql' },
      usage: { file: join(tmpdir(), 'meshgate-test-usage', `${process.pid}.jsonl`) },
      ...config,
      auth,
      subgraphUrls: { ...subgraphUrls, ...config.subgraphUrls },
    }),
    { now: options.now, logger: options.logger, executor: options.executor },
  );
  return {
    gateway,
    auth,
    products,
    token,
    query: (query, variables, headers = {}) => {
      const { authorization = `Bearer ${analyst}`, ...rest } = headers;
      return postGraphQL(gateway.url, { query, variables }, authorization ? { ...rest, authorization } : rest);
    },
    statements: (product) => products[product]!.product.store.log.statements,
    fetches: (product) => products[product]!.product.requests.statements,
    clearQueryLogs: () => clearQueryLogs(products),
    close: async () => {
      await gateway.close();
      await closeProducts();
    },
  };
}

export function clearQueryLogs(products: MeshProducts): void {
  for (const p of Object.values(products)) {
    p.product.store.log.clear();
    p.product.requests.clear();
  }
}

/** Another gateway, configured differently, in front of the same running products. The caller closes it. */
export async function startGatewayOn(mesh: MeshHarness, config: Partial<GatewayConfigInput> = {}): Promise<RunningGateway> {
  const subgraphUrls = Object.fromEntries(Object.entries(mesh.products).map(([name, p]) => [name, p.running.url]));
  return startGateway(resolveGatewayConfig({ port: 0, ...config, subgraphUrls: { ...subgraphUrls, ...config.subgraphUrls } }));
}

export async function closeProducts(products: MeshProducts): Promise<void> {
  await Promise.all(Object.values(products).map(async (p) => p.product.close()));
}

export async function postGraphQL(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLHttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: GraphQLHttpResult['body'];
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`Non-JSON response ${response.status}: ${text.slice(0, 300)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
