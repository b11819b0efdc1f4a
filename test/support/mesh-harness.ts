import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { resolveGatewayConfig, type GatewayConfigInput } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { createDataProduct, type DataProduct, type RunningProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[]; extensions?: Record<string, any> };
}

export interface MeshHarness {
  gateway: RunningGateway;
  products: Record<string, { product: DataProduct; running: RunningProduct }>;
  /** POSTs a GraphQL request to the gateway over HTTP. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  /** SQL statements each product ran since the last `clearQueryLogs()`. */
  statements(product: string): readonly string[];
  clearQueryLogs(): void;
  close(): Promise<void>;
}

/**
 * Starts the five demo products on port 0 and a real gateway in front of them, serving the
 * committed supergraph with its URLs overridden to the test ports: the same path a
 * deployment that points the gateway at remote products takes.
 */
export async function startMesh(config: Partial<GatewayConfigInput> = {}, options: { storeUrl?: string; logger?: Logger } = {}): Promise<MeshHarness> {
  const products: MeshHarness['products'] = {};
  try {
    for (const member of DEMO_MESH) {
      const product = await createDataProduct(member.definition, { storeUrl: options.storeUrl });
      products[member.name] = { product, running: await product.listen({ port: 0 }) };
    }
    const subgraphUrls = Object.fromEntries(Object.entries(products).map(([name, p]) => [name, p.running.url]));
    const gateway = await startGateway(resolveGatewayConfig({ port: 0, supergraph: { file: 'schema/supergraph.graphql' }, usage: { file: join(tmpdir(), 'meshgate-test-usage', `${process.pid}.jsonl`) }, ...config, subgraphUrls: { ...subgraphUrls, ...config.subgraphUrls } }), { logger: options.logger });
    return {
      gateway,
      products,
      query: (query, variables, headers) => postGraphQL(gateway.url, { query, variables }, headers),
      statements: (product) => products[product]!.product.store.log.statements,
      clearQueryLogs: () => {
        for (const p of Object.values(products)) p.product.store.log.clear();
      },
      close: async () => {
        await gateway.close();
        await closeProducts(products);
      },
    };
  } catch (error) {
    await closeProducts(products);
    throw error;
  }
}

async function closeProducts(products: MeshHarness['products']): Promise<void> {
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
