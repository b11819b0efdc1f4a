import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { productStorePath } from '../../subgraphs/kit/create-data-product.ts';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * The repository as the user has it: the files git tracks or would track (a product they
 * are adding, not committed yet), none it ignores, plus the demo stores the global setup
 * seeded, so the copy does not seed them again. node_modules is shared.
 */
export function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'meshgate-new-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  const stores = DEMO_MESH.map((member) => relative(REPO, productStorePath(member.definition, member.name)));
  for (const file of [...files, ...stores]) {
    // A tracked file deleted in the working tree is listed too.
    if (!existsSync(join(REPO, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(copy, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}
