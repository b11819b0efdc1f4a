import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript the bin runs before any TypeScript loads; it has no types
import { BUILD_STAMP, isBuildCurrent } from '../../../bin/compiled-build.js';

/**
 * Which meshgate a clone's bin runs: dist/ only when it was built after every source, build
 * config and the lock file were written (the serve bundle holds its own zod, so an install
 * that changes dependencies makes it stale), else the sources.
 */
let root: string;
const write = (file: string, seconds: number) => {
  writeFileSync(join(root, file), '');
  utimesSync(join(root, file), seconds, seconds);
};
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'meshgate-build-current-'));
  for (const folder of ['gateway', 'schema', 'subgraphs', 'dist']) mkdirSync(join(root, folder));
  write('tsconfig.json', 100);
  write('tsconfig.build.json', 100);
  write('gateway/a.ts', 100);
  write('package-lock.json', 100);
  writeFileSync(join(root, 'dist', BUILD_STAMP), String(200_000));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('isBuildCurrent', () => {
  it('runs dist/ built after every input', () => {
    expect(isBuildCurrent(root)).toBe(true);
  });

  it('runs the sources once a source is newer than the build', () => {
    write('gateway/a.ts', 300);
    expect(isBuildCurrent(root)).toBe(false);
  });

  it('runs the sources once an install rewrote the lock file after the build', () => {
    write('package-lock.json', 300);
    expect(isBuildCurrent(root)).toBe(false);
  });

  it('judges a checkout without a lock file by its sources', () => {
    rmSync(join(root, 'package-lock.json'));
    expect(isBuildCurrent(root)).toBe(true);
  });
});
