// Whether dist/ was compiled from the sources as they are now. Plain JavaScript: the bin asks
// it before any TypeScript can be loaded.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written by the build into its outDir: when the build started, in ms since the epoch. */
export const BUILD_STAMP = '.built-from-sources';

/**
 * What the build compiles (its config's `include`), the configs that shape its output, and
 * the lock file: the serve bundle holds its own copy of zod, so an install that changes the
 * dependencies makes a build stale too.
 */
const SOURCE_FOLDERS = ['gateway', 'schema', 'subgraphs'];
const BUILD_CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];
const LOCK_FILE = 'package-lock.json';

/**
 * True when `root`/dist/ holds a build started after every TypeScript source, build config and
 * the lock file were last written. The build's start, not its end, is stamped: a file saved while tsc runs may
 * not be in the output, and its later mtime sends the next start to the sources. Editing,
 * checking out, pulling or stashing all write the file, so a stale build is never chosen; a
 * file touched without a change only costs a start through tsx until the next build.
 */
export function isBuildCurrent(root) {
  let started;
  try {
    started = Number(readFileSync(join(root, 'dist', BUILD_STAMP), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isFinite(started)) return false;
  const newer = (file) => statSync(join(root, file)).mtimeMs >= started;
  if (BUILD_CONFIGS.some(newer)) return false;
  if (existsSync(join(root, LOCK_FILE)) && newer(LOCK_FILE)) return false;
  for (const folder of SOURCE_FOLDERS) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
      // Tests are not compiled; what the build leaves out cannot make it stale.
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      if (statSync(join(entry.parentPath, entry.name)).mtimeMs >= started) return false;
    }
  }
  return true;
}
