import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return [path];
  });
}

/** Every comment of a TypeScript source, as TypeScript reads them: text in strings and templates is no comment. */
function commentsOf(source: string): { line: number; text: string }[] {
  const file = ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest, true);
  const seen = new Set<number>();
  const comments: { line: number; text: string }[] = [];
  const take = (ranges: readonly ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const first = file.getLineAndCharacterOfPosition(range.pos).line;
      source
        .slice(range.pos, range.end)
        .split('\n')
        .forEach((text, i) => {
          comments.push({ line: first + i + 1, text });
        });
    }
  };
  const visit = (node: ts.Node) => {
    take(ts.getLeadingCommentRanges(source, node.getFullStart()));
    take(ts.getTrailingCommentRanges(source, node.getEnd()));
    node.forEachChild(visit);
  };
  visit(file);
  take(ts.getLeadingCommentRanges(source, file.endOfFileToken.getFullStart()));
  return comments;
}

/**
 * Comment lines that name a source file of this repository (by path or by file name): such a
 * pointer goes stale on every move or rename. A comment names the thing instead (a function,
 * a type, a stage, a concern); where a design spans files, the life-cycle document says so.
 */
function fileNamesInComments(file: string, source: string, names: ReadonlySet<string>): string[] {
  // Most files name a file only in their imports: only those that name one elsewhere are parsed for their comments.
  const elsewhere = source.split('\n').filter((line) => /[\w-]\.(?:ts|js|mjs)\b/.test(line) && !/\bfrom\s+['"]|\bimport\s*\(\s*['"]|^\s*import\s+['"]/.test(line));
  if (elsewhere.length === 0) return [];
  return commentsOf(source).flatMap(({ line, text }) => {
    const named = [...text.matchAll(/[\w./-]*?([\w-]+\.(?:ts|js|mjs))\b/g)].filter((match) => names.has(match[1]!));
    return named.length ? [`${file}:${line}: ${named.map((match) => match[0]).join(', ')}`] : [];
  });
}

describe('comments name things, not files', () => {
  const sources = ['gateway', 'schema', 'subgraphs'].flatMap(filesUnder).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  const names = new Set(['gateway', 'schema', 'subgraphs', 'bench', 'bin', 'test'].flatMap(filesUnder).map((file) => basename(file)));

  it('reads the sources and knows their names', () => {
    // A guard on the guard: with no file names known, no comment could be found naming one.
    expect(sources.length).toBeGreaterThan(100);
    expect(names.has('create-gateway.ts')).toBe(true);
  });

  it('has no comment naming a source file of the repository', () => {
    expect(sources.flatMap((file) => fileNamesInComments(file, readFileSync(join(ROOT, file), 'utf8'), names))).toEqual([]);
  });

  it('finds a file named in a comment, and nothing in code or strings', () => {
    const planted = [
      '// Loaded lazily: see catalog-cache.ts.',
      '/**',
      ' * The registry (gateway/transport/product-signing-keys.ts) asks first.',
      ' */',
      "const help = 'see catalog-cache.ts';",
      'const template = `// catalog-cache.ts`;',
      '// `node server.js` names no file of ours.',
    ].join('\n');
    expect(fileNamesInComments('planted.ts', planted, new Set(['catalog-cache.ts', 'product-signing-keys.ts']))).toEqual([
      'planted.ts:1: catalog-cache.ts',
      'planted.ts:3: gateway/transport/product-signing-keys.ts',
    ]);
  });
});
