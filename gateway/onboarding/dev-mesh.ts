import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { loadMesh, meshPaths } from '../../schema/contracts/mesh.ts';
import { RegistryClient, RegistryRequestError } from '../../schema/registry/registry-client.ts';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import { readStartedMesh } from './started-mesh.ts';

/**
 * The mesh `meshgate dev` runs a product beside: every other product's interface, the
 * governance and the published baselines, from a mesh folder (`--root`) or a registry's
 * current mesh (`--registry`, `GET /v1/mesh`). Both are laid out as one mesh folder in a
 * temporary directory, which the working copy of the local product is then written into,
 * so `meshgate check` and composition read it as they read any mesh.
 */
export interface MeshProductText {
  name: string;
  descriptor: string;
  sdl: string;
}

export interface DevMeshSource {
  /** Where it came from, for the start-up line. */
  readonly origin: string;
  products: MeshProductText[];
  governance: string;
  /** The published baseline of each product that has one. */
  baselines: MeshProductText[];
  /** Routing URLs known from the mesh's own supergraph, by product. */
  urls: Record<string, string>;
}

/** Reads a mesh folder (the layout `meshgate check --root` reads). */
export function readMeshFolder(root: string): DevMeshSource {
  const paths = meshPaths(root);
  const missing = [paths.subgraphs, paths.governance].filter((path) => !existsSync(path));
  if (missing.length)
    throw new ConfigError(
      MeshErrorCode.CONFIG_INVALID,
      `--root ${root}`,
      missing.map((path) => `${path} does not exist: a mesh folder holds subgraphs/<product>/ and schema/governance.yaml`),
    );
  const mesh = loadMesh(root);
  const baselines: MeshProductText[] = [];
  for (const product of mesh.products) {
    const dir = join(paths.published, product.name);
    if (existsSync(join(dir, 'product.yaml')))
      baselines.push({ name: product.name, descriptor: readFileSync(join(dir, 'product.yaml'), 'utf8'), sdl: readFileSync(join(dir, 'schema.graphql'), 'utf8') });
  }
  const supergraph = join(paths.root, 'schema', 'supergraph.graphql');
  const committed = existsSync(supergraph) ? Object.fromEntries(readSupergraphModel(readFileSync(supergraph, 'utf8')).subgraphs.map((s) => [s.name, s.url])) : {};
  // A running `meshgate start` of this mesh knows better than the committed supergraph's default ports.
  const started = readStartedMesh(paths.root);
  return {
    origin: started ? `${paths.root} (products of the meshgate start running as pid ${started.pid})` : paths.root,
    products: mesh.products.map((product) => ({ name: product.name, descriptor: readFileSync(join(paths.subgraphs, product.folder, 'product.yaml'), 'utf8'), sdl: product.sdl })),
    governance: readFileSync(paths.governance, 'utf8'),
    baselines,
    urls: { ...committed, ...started?.products },
  };
}

/**
 * Reads a registry's current mesh (`GET /v1/mesh`) and the published baseline of `product`
 * (`GET /v1/products/:name/baseline`; 404 when it was never published). Every other product's
 * current version is its baseline: it is what was published.
 */
export async function readRegistryMesh(registry: string, token: string | undefined, product: string): Promise<DevMeshSource> {
  if (!token) throw new MeshError(MeshErrorCode.UNAUTHENTICATED, 'The registry needs a token: pass --token or set MESHGATE_REGISTRY_TOKEN');
  const client = new RegistryClient(registry, token);
  // The registry's own client; its refusals are told here as this command's, with what the registry said.
  const get = (path: string) => client.call<Record<string, unknown> | string>('GET', path, undefined, { timeoutMs: 10_000 });
  let mesh: Record<string, unknown> | string;
  try {
    mesh = await get('/v1/mesh');
  } catch (error) {
    if (!(error instanceof RegistryRequestError)) throw error;
    // A refused token is the caller's to fix, and says so by its code; anything else is a registry that is not one.
    const code = error.status === 401 || error.status === 403 ? MeshErrorCode.UNAUTHENTICATED : MeshErrorCode.CONFIG_INVALID;
    throw new MeshError(code, `The registry refused GET /v1/mesh (HTTP ${error.status} ${error.code}: ${error.message.slice(0, 200)})`);
  }
  if (typeof mesh === 'string' || !Array.isArray(mesh.products) || typeof mesh.governance !== 'string') {
    throw new MeshError(MeshErrorCode.CONFIG_INVALID, 'The registry answered GET /v1/mesh with something that is not a mesh');
  }
  const products = (mesh.products as MeshProductText[]).map(({ name, descriptor, sdl }) => ({ name, descriptor, sdl }));
  // Names become folder names here: nothing but a product name (no `..`, no `/`) is written.
  const odd = products.find((p) => typeof p.name !== 'string' || !PRODUCT_NAME.test(p.name) || typeof p.descriptor !== 'string' || typeof p.sdl !== 'string');
  if (odd) throw new MeshError(MeshErrorCode.CONFIG_INVALID, `The registry's mesh holds a product that is not one (${JSON.stringify(String(odd.name).slice(0, 40))})`);
  const baselines = products.filter((p) => p.name !== product);
  // 404 (PRODUCT_UNKNOWN): the product was never published, so it has no baseline yet.
  const own = await get(`/v1/products/${encodeURIComponent(product)}/baseline`).catch((error: unknown) => {
    if (error instanceof RegistryRequestError && error.status === 404) return undefined;
    throw error;
  });
  if (own && typeof own !== 'string') baselines.push({ name: product, descriptor: String(own.descriptor), sdl: String(own.sdl) });
  // Where gateways reach each product, as its team published it (`--url`); only http(s) URLs are taken.
  const urls = Object.fromEntries(
    (mesh.products as { name: string; url?: unknown }[])
      .filter((p) => typeof p.url === 'string' && URL.canParse(p.url) && /^https?:$/.test(new URL(p.url).protocol))
      .map((p) => [p.name, p.url as string]),
  );
  return { origin: registry, products, governance: mesh.governance, baselines, urls };
}

/** A mesh folder in a temporary directory, holding the source's products with the local one replaced by its working copy. */
export class DevWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'meshgate-dev-'));

  constructor(source: DevMeshSource) {
    const paths = meshPaths(this.root);
    mkdirSync(paths.subgraphs, { recursive: true });
    mkdirSync(paths.published, { recursive: true });
    writeFileSync(paths.governance, source.governance);
    for (const product of source.products) writeProduct(join(paths.subgraphs, product.name), product);
    for (const baseline of source.baselines) writeProduct(join(paths.published, baseline.name), baseline);
  }

  /** Copies the local product's working copy (`product.yaml`, `schema.graphql`) in, as product `name`. */
  update(name: string, productDir: string): void {
    const target = join(meshPaths(this.root).subgraphs, name);
    mkdirSync(target, { recursive: true });
    for (const file of ['product.yaml', 'schema.graphql']) cpSync(join(productDir, file), join(target, file));
  }

  get supergraphFile(): string {
    return join(this.root, 'supergraph.graphql');
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function writeProduct(dir: string, product: MeshProductText): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'product.yaml'), product.descriptor);
  writeFileSync(join(dir, 'schema.graphql'), product.sdl);
}
