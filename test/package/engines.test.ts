import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, subset, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm install` warns (EBADENGINE) when a package in the tree declares Node versions that
 * ours do not fall within. Every Node our `engines` admits must be admitted by every
 * package a user's `npm install meshgate` installs (the lockfile's non-dev entries), so the
 * promise in package.json is one npm keeps. Our own test tools (vitest, vite) may ask more.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }> };

describe('engines', () => {
  it('package.json names a Node range', () => {
    expect(validRange(pkg.engines.node)).not.toBeNull();
    expect(minVersion(pkg.engines.node)!.major).toBe(20);
  });

  it('every package the installed meshgate brings accepts every Node version package.json admits', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev)
      .flatMap(([path, entry]) => {
        const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        if (!wanted || !validRange(wanted)) return [];
        return subset(pkg.engines.node, wanted) ? [] : [`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${wanted}`];
      });
    expect(refusing).toEqual([]);
  });
});
