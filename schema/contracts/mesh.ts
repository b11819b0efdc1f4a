import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { safeParseDescriptor, type ConfigProblem, type ProductDescriptor } from '../product/descriptor.ts';
import { loadGovernance, type Governance } from './governance.ts';
import { REPO_ROOT } from '../base/source-tree.ts';
import { modelSubgraph, type SubgraphModel } from '../product/subgraph-model.ts';

/** The repository meshgate runs from: the default mesh for every contract command. */
export { REPO_ROOT };

/** Where a mesh keeps its products and contract files, relative to its root. */
export interface MeshPaths {
  root: string;
  /** One folder per product, each with `product.yaml` and `schema.graphql`. */
  subgraphs: string;
  governance: string;
  /** Baselines: `<published>/<product>/{schema.graphql,product.yaml}`. */
  published: string;
  lineage: string;
  /** Governed changes approved by a platform or steward principal (`schema/approvals.yaml`), reviewed like governance. */
  approvals: string;
}

export function meshPaths(root: string = REPO_ROOT): MeshPaths {
  const absolute = resolve(root);
  return {
    root: absolute,
    subgraphs: join(absolute, 'subgraphs'),
    governance: join(absolute, 'schema', 'governance.yaml'),
    published: join(absolute, 'schema', 'published'),
    lineage: join(absolute, 'schema', 'lineage.json'),
    approvals: join(absolute, 'schema', 'approvals.yaml'),
  };
}

/** A product's interface as found on disk. Invalid parts are kept, with their problems. */
export interface ProductSource {
  /** The descriptor's name when it is valid, else the folder name. */
  name: string;
  folder: string;
  sdl: string;
  descriptor: ProductDescriptor | undefined;
  descriptorProblems: ConfigProblem[];
  model: SubgraphModel | undefined;
  /** Why the SDL could not be read as GraphQL. */
  sdlError: string | undefined;
}

/** A product that passed descriptor validation and whose SDL parses. */
export type ValidProduct = ProductSource & { descriptor: ProductDescriptor; model: SubgraphModel };

export function isValidProduct(product: ProductSource): product is ValidProduct {
  return product.descriptor !== undefined && product.model !== undefined;
}

export interface Mesh {
  paths: MeshPaths;
  governance: Governance;
  products: ProductSource[];
}

/** Reads a product's `product.yaml` and `schema.graphql` from `dir`. */
export function readProductSource(dir: string, folder: string): ProductSource {
  const parsed = safeParseDescriptor(readFileSync(join(dir, 'product.yaml'), 'utf8'));
  const sdl = readFileSync(join(dir, 'schema.graphql'), 'utf8');
  let model: SubgraphModel | undefined;
  let sdlError: string | undefined;
  try {
    model = modelSubgraph(sdl);
  } catch (error) {
    sdlError = (error as Error).message;
  }
  return {
    name: parsed.ok ? parsed.descriptor.name : folder,
    folder,
    sdl,
    descriptor: parsed.ok ? parsed.descriptor : undefined,
    descriptorProblems: parsed.ok ? [] : parsed.problems,
    model,
    sdlError,
  };
}

/** Every product folder (one holding a `product.yaml`) of a mesh, without its governance. */
export function loadProductSources(paths: MeshPaths): ProductSource[] {
  const folders = readdirSync(paths.subgraphs, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(paths.subgraphs, entry.name, 'product.yaml')))
    .map((entry) => entry.name)
    .sort();
  return folders.map((folder) => readProductSource(join(paths.subgraphs, folder), folder));
}

/** Loads every product folder (one holding a `product.yaml`) and the mesh's governance. */
export function loadMesh(root?: string): Mesh {
  const paths = meshPaths(root);
  return { paths, governance: loadGovernance(paths.governance), products: loadProductSources(paths) };
}

/** The folder holding a product's published baseline. */
export function baselineDir(paths: MeshPaths, product: string): string {
  return join(paths.published, product);
}

/** The product's published baseline, or undefined when it was never published. */
export function loadBaseline(paths: MeshPaths, product: string): ProductSource | undefined {
  const dir = baselineDir(paths, product);
  return existsSync(join(dir, 'product.yaml')) ? readProductSource(dir, product) : undefined;
}
