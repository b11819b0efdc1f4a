import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * One closed set of error codes: a code written as a string literal where an error is made
 * (`code: 'X'`, `code = 'X'`) must be one of MeshErrorCode's, so that a code invented at a
 * throw site cannot come back unnoticed. Codes are best named through the enum; this
 * catches the ones that were not.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KNOWN = new Set<string>(Object.values(MeshErrorCode));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes written at throw sites', () => {
  it('are all in the one closed set', () => {
    const strays: string[] = [];
    for (const file of ['gateway', 'schema', 'subgraphs'].flatMap(sourceFiles)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/\bcode\s*(?::|=)\s*['"]([A-Z][A-Z0-9_]+)['"]/g)) {
        if (!KNOWN.has(match[1]!)) strays.push(`${file}: ${match[0]}`);
      }
    }
    expect(strays).toEqual([]);
  });
});
