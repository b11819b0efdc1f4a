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

/**
 * One level down, inside schema/: parts cut by what deploys and who owns it, bottom to top.
 * A file may import its own part or a lower one, never a higher one, and no file lives in
 * schema/'s root (only the mesh's data files do). The wire protocol stays at the bottom.
 */
const SCHEMA_PARTS: readonly string[] = [
  'protocol', // what the gateway and every product speak
  'base', // dependency-free helpers: days, YAML, where the sources are
  'product', // a product's own files as meshgate reads them: descriptor, declaration, SDL model
  'supergraph', // what a gateway reads from a composed supergraph and admits
  'contracts', // the contract pipeline: governance, composition, lint, checks, lineage, publish
  'registry', // the registry service and its client
  'exports', // the contract in other standards
];

/** The part a schema file lives in, or undefined outside schema/ (and for schema/'s root). */
function schemaPartOf(file: string): string | undefined {
  const [top, part, rest] = file.split('/');
  return top === 'schema' && rest !== undefined ? part : undefined;
}

const importTarget = (file: string, specifier: string) => posix.normalize(posix.join(posix.dirname(file), specifier));

/** Whether a schema file may import `specifier` by the parts' order, and why not. */
function schemaPartRule(file: string, specifier: string): string | undefined {
  const target = importTarget(file, specifier);
  if (!file.startsWith('schema/') || !target.startsWith('schema/')) return undefined;
  const [from, to] = [schemaPartOf(file), schemaPartOf(target)];
  for (const [path, part] of [[file, from], [target, to]] as const) {
    if (part === undefined || !SCHEMA_PARTS.includes(part)) return `${file} -> ${target} (${path} is in no part of schema/)`;
  }
  return SCHEMA_PARTS.indexOf(to!) <= SCHEMA_PARTS.indexOf(from!) ? undefined : `${file} -> ${target} (${from} may not import ${to})`;
}

const KIT = 'subgraphs/kit/';
const KIT_INDEX = `${KIT}index.ts`;

/**
 * The kit is the published library: a demo module (a demo product, the demo's shared facts,
 * the demo mesh) reaches it only through its public index, as a product in a repository of
 * its own does, and the kit imports no demo module.
 */
function kitRule(file: string, specifier: string): string | undefined {
  const target = importTarget(file, specifier);
  if (!file.startsWith('subgraphs/') || !target.startsWith('subgraphs/')) return undefined;
  const [fromKit, toKit] = [file.startsWith(KIT), target.startsWith(KIT)];
  if (fromKit && !toKit) return `${file} -> ${target} (the kit may not import a demo module)`;
  if (!fromKit && toKit && target !== KIT_INDEX) return `${file} -> ${target} (a demo module imports the kit only through ${KIT_INDEX})`;
  return undefined;
}

/** Every loop of imports among `graph`'s files (each strongly connected set of two or more), sorted. */
function importLoops(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const loops: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) visit(next);
      if (stack.includes(next)) low.set(file, Math.min(low.get(file)!, low.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const loop = stack.splice(stack.indexOf(file));
    if (loop.length > 1) loops.push(loop.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return loops;
}

describe("the house inside schema/ and subgraphs/: parts import one way, the kit through its index", () => {
  const files = ['schema', 'subgraphs'].flatMap(sourceFiles);
  const importsOf = new Map(files.map((file) => [file, relativeImports(readFileSync(join(ROOT, file), 'utf8'))]));
  const broken = (rule: (file: string, specifier: string) => string | undefined) => files.flatMap((file) => importsOf.get(file)!.flatMap((specifier) => rule(file, specifier) ?? []));

  it('reads a file of every part and of the kit and the demo', () => {
    // A guard on the guard: a part that matched no file would hold every rule below by default.
    for (const part of SCHEMA_PARTS) expect(files.some((f) => schemaPartOf(f) === part), part).toBe(true);
    expect(files.filter((f) => f.startsWith(KIT)).length).toBeGreaterThan(10);
    expect(files.filter((f) => f.startsWith('subgraphs/') && !f.startsWith(KIT)).length).toBeGreaterThan(10);
  });

  it("has every schema file in a part, importing only its own part or lower ones", () => {
    expect(broken(schemaPartRule)).toEqual([]);
  });

  it('has demo modules import the kit only through its index, and the kit import no demo module', () => {
    expect(broken(kitRule)).toEqual([]);
  });

  it('has no loop of imports between files of schema/ or subgraphs/, type imports included', () => {
    const graph = new Map(files.map((file) => [file, importsOf.get(file)!.map((specifier) => importTarget(file, specifier))]));
    expect(importLoops(graph)).toEqual([]);
  });

  it('catches each kind of wrong import when one is written', () => {
    // The same rules over imports that break them, so each rule itself can fail.
    expect(schemaPartRule('schema/product/descriptor.ts', '../contracts/governance.ts')).toMatch(/product may not import contracts/);
    expect(schemaPartRule('schema/exports/odps.ts', '../registry/agreements.ts')).toBeUndefined();
    expect(schemaPartRule('schema/registry/registry.ts', '../exports/odps.ts')).toMatch(/registry may not import exports/);
    expect(schemaPartRule('schema/contracts/check.ts', '../loose.ts')).toMatch(/schema\/loose\.ts is in no part/);
    expect(schemaPartRule('schema/loose.ts', './contracts/check.ts')).toMatch(/schema\/loose\.ts is in no part/);
    expect(kitRule('subgraphs/sales/resolvers.ts', '../kit/pagination.ts')).toMatch(/only through subgraphs\/kit\/index\.ts/);
    expect(kitRule('subgraphs/sales/store/seed.ts', '../../kit/index.ts')).toBeUndefined();
    expect(kitRule('subgraphs/kit/store.ts', '../demo/demo-world.ts')).toMatch(/the kit may not import a demo module/);
    expect(kitRule('subgraphs/kit/index.ts', '../sales/index.ts')).toMatch(/the kit may not import a demo module/);
    const loop = new Map([
      ['schema/registry/a.ts', ['schema/registry/b.ts']],
      ['schema/registry/b.ts', ['schema/registry/c.ts', 'schema/base/d.ts']],
      ['schema/registry/c.ts', ['schema/registry/a.ts']],
      ['schema/base/d.ts', []],
    ]);
    expect(importLoops(loop)).toEqual([['schema/registry/a.ts', 'schema/registry/b.ts', 'schema/registry/c.ts']]);
  });
});
