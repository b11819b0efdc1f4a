import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The top of the module tree this file was loaded from: the repository when meshgate runs
 * from its TypeScript sources (tsx), or the build's outDir (`dist/`) when it runs compiled.
 * This file lives two folders below it.
 */
const MODULE_TREE = resolve(import.meta.dirname, '..', '..');

/**
 * The repository: the nearest folder holding `package.json`, from the module tree up. The
 * build's outDir lies inside the repository and holds no `package.json` of its own (the
 * repository's `"type": "module"` is what makes Node load its `.js` files as ESM).
 */
export const REPO_ROOT = findPackageRoot(MODULE_TREE);

/**
 * Where a module's folder is in the repository. Files that are not code (`product.yaml`,
 * `schema.graphql`, `governance.yaml`, a product's embedded store) are not compiled: a
 * compiled module finds them at the same relative path in the sources, so compiled and tsx
 * runs read, seed and write the same files.
 *
 * @example sourceDir(import.meta.dirname) // dist/subgraphs/sales -> subgraphs/sales
 */
export function sourceDir(moduleDir: string): string {
  return join(REPO_ROOT, relative(MODULE_TREE, moduleDir));
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
