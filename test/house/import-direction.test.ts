import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house's one-way rule, read from the sources themselves so that a backward import
 * cannot come back unnoticed: bench -> gateway (with its CLI) -> subgraphs -> schema, and
 * the wire protocol (schema/protocol) imports nothing of ours. Each room below may import
 * only the rooms listed for it; static and dynamic imports and `export ... from` all count.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Rooms, most specific first; the first prefix that matches a file names its room. */
const ROOMS: readonly { room: string; prefix: string; mayImport: readonly string[] }[] = [
  { room: 'protocol', prefix: 'schema/protocol/', mayImport: ['protocol'] },
  { room: 'schema', prefix: 'schema/', mayImport: ['schema', 'protocol'] },
  { room: 'subgraphs', prefix: 'subgraphs/', mayImport: ['subgraphs', 'schema', 'protocol'] },
  { room: 'gateway', prefix: 'gateway/', mayImport: ['gateway', 'subgraphs', 'schema', 'protocol'] },
  { room: 'bench', prefix: 'bench/', mayImport: ['bench', 'gateway', 'subgraphs', 'schema', 'protocol'] },
];

const roomOf = (file: string) => ROOMS.find((r) => file.startsWith(r.prefix));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Every relative module a file imports, statically or dynamically, as TypeScript's own
 * pre-processor reads them: code inside strings (the scaffold's templates) is not an import.
 */
function relativeImports(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return [...new Set(importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('./') || name.startsWith('../')))];
}

/** Whether `file` may import `specifier`, and why not. */
function importRule(file: string, specifier: string): string | undefined {
  const from = roomOf(file);
  if (!from) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const to = roomOf(target);
  if (!to) return `${file} -> ${target} (outside every room)`;
  return from.mayImport.includes(to.room) ? undefined : `${file} -> ${target} (${from.room} may not import ${to.room})`;
}

/** Each import that runs from a room into one it may not reach, as `file -> target`. */
function backwardImports(files: readonly string[]): string[] {
  return files.flatMap((file) => relativeImports(readFileSync(join(ROOT, file), 'utf8')).flatMap((specifier) => importRule(file, specifier) ?? []));
}

describe('the house: imports run one way', () => {
  const files = ['schema', 'subgraphs', 'gateway', 'bench'].flatMap(sourceFiles);

  it('reads every source file of every room', () => {
    // A guard on the guard: a walk that found nothing would pass every rule below.
    for (const room of ROOMS) expect(files.some((f) => roomOf(f) === room), room.room).toBe(true);
    expect(files.length).toBeGreaterThan(100);
  });

  it('has no import from schema or subgraphs into the gateway, and none out of the protocol', () => {
    expect(backwardImports(files)).toEqual([]);
  });

  it('catches a backward import when one is written', () => {
    // The same rule over sources that break it, so the rule itself can fail.
    expect(relativeImports("import { x } from '../../gateway/config.ts';\nconst m = await import('./y.ts');\nconst t = `import z from '../z.ts'`;")).toEqual(['../../gateway/config.ts', './y.ts']);
    expect(importRule('subgraphs/kit/store.ts', '../../gateway/config.ts')).toMatch(/subgraphs may not import gateway/);
    expect(importRule('schema/protocol/signature.ts', '../check.ts')).toMatch(/protocol may not import schema/);
    expect(importRule('schema/check.ts', '../subgraphs/demo-mesh.ts')).toMatch(/schema may not import subgraphs/);
    expect(importRule('gateway/create-gateway.ts', '../schema/protocol/error-codes.ts')).toBeUndefined();
  });
});
