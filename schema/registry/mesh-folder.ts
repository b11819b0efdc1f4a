import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck, type CheckOptions, type CheckReport } from '../contracts/check.ts';
import type { FieldUsageSource } from '../contracts/field-usage.ts';
import { computeLineage, serializeLineage } from '../contracts/lineage.ts';
import { isValidProduct, loadMesh, meshPaths } from '../contracts/mesh.ts';

/** A product's contract files as text: what a team publishes and the registry keeps. */
export interface ProductFiles {
  name: string;
  descriptor: string;
  sdl: string;
}

/**
 * Lays a mesh out as `meshgate check` and the catalog read one from a repository (products
 * under `subgraphs/`, baselines under `schema/published/`, governance, lineage). The
 * registry holds text in a database; the rules and the catalog stay in one place and read
 * folders, so the registry writes folders rather than a second rule set.
 *
 * Governance is cached by path for the life of the process: one folder per governance text.
 */
export function writeMeshFolder(dir: string, mesh: { products: readonly ProductFiles[]; baselines: readonly ProductFiles[]; governance: string }): void {
  const paths = meshPaths(dir);
  rmSync(paths.subgraphs, { recursive: true, force: true });
  rmSync(paths.published, { recursive: true, force: true });
  const write = (parent: string, product: ProductFiles) => {
    // Names were checked against the product-name pattern before they reach a path.
    const folder = join(parent, product.name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'product.yaml'), product.descriptor);
    writeFileSync(join(folder, 'schema.graphql'), product.sdl);
  };
  mkdirSync(paths.subgraphs, { recursive: true });
  mkdirSync(paths.published, { recursive: true });
  for (const product of mesh.products) write(paths.subgraphs, product);
  for (const baseline of mesh.baselines) write(paths.published, baseline);
  writeFileSync(paths.governance, mesh.governance);
  // Lineage is derived from the products, and the registry derives it itself: a team
  // publishing from its own repository has no lineage file to keep up to date.
  const live = loadMesh(dir)
    .products.filter(isValidProduct)
    .filter((product) => product.descriptor.status !== 'retired');
  writeFileSync(paths.lineage, serializeLineage(computeLineage(live)));
}

/**
 * Runs the very same check as `meshgate check` on a mesh laid out by {@link writeMeshFolder}.
 * `dir` is reused (the registry runs one check at a time), but one folder per governance text.
 */
export async function checkMeshFolder(
  dir: string,
  mesh: { products: readonly ProductFiles[]; baselines: readonly ProductFiles[]; governance: string },
  options: { usage?: FieldUsageSource; today?: string; consumers?: CheckOptions['consumers'] } = {},
): Promise<CheckReport> {
  writeMeshFolder(dir, mesh);
  return runCheck({ root: dir, usage: options.usage, today: options.today, consumers: options.consumers });
}
