import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The tracked files, or none outside a git checkout (an unpacked tarball has no history to guard). */
function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Bundles and builds are made on the machine that needs them (the explorer on first start,
 * dist/ at pack time): committed, they go stale against their sources and bloat every clone.
 */
describe('generated files', () => {
  const files = trackedFiles();

  it('are never tracked: no build output, no bundle, no minified script', () => {
    const generated = files.filter((file) => {
      if (/(^|\/)(dist|bundle|build)\//.test(file) || /\.min\.(js|css)$/.test(file)) return true;
      if (!/\.(js|css)$/.test(file)) return false;
      // A minified file is a few very long lines.
      const text = readFileSync(join(ROOT, file), 'utf8');
      return text.length > 20_000 && text.split('\n').length < text.length / 1_000;
    });
    expect(generated).toEqual([]);
  });

  it('leave no tracked file over 1 MiB', () => {
    const large = files.filter((file) => {
      try {
        return statSync(join(ROOT, file)).size > 1024 * 1024;
      } catch {
        return false; // deleted in the working tree
      }
    });
    expect(large).toEqual([]);
  });
});
