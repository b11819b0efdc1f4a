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
    for (const room of ROOMS)
      expect(
        files.some((f) => roomOf(f) === room),
        room.room,
      ).toBe(true);
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

const importTarget = (file: string, specifier: string) => posix.normalize(posix.join(posix.dirname(file), specifier));

/**
 * The same rule one level down: a top-level folder's stages, bottom first. A file may import
 * its own stage or a lower one, never a higher one, so no two stages can import each other.
 * A stage is named folders (ending in `/`) or files; every source file under `root` must be
 * in one, so a new folder gets its place in the order before it gets code.
 */
interface StageTable {
  root: string;
  stages: readonly { stage: string; paths: readonly string[] }[];
  /**
   * Files whose `import type` may reach a higher stage. Such imports are erased before
   * the code runs (`verbatimModuleSyntax` keeps every other form), so they load nothing and
   * make no loop at start-up; only a record every stage reads and that names what the
   * stages above put on it has a reason to.
   */
  typesMayReachUp?: readonly string[];
}

/**
 * Inside schema/: parts cut by what deploys and who owns it, bottom to top. No source file
 * lives in schema/'s root (only the mesh's data files do). The wire protocol stays at the bottom.
 */
const SCHEMA_STAGES: StageTable = {
  root: 'schema/',
  stages: [
    { stage: 'protocol', paths: ['schema/protocol/'] }, // what the gateway and every product speak
    { stage: 'base', paths: ['schema/base/'] }, // dependency-free helpers: days, YAML, where the sources are
    { stage: 'product', paths: ['schema/product/'] }, // a product's own files as meshgate reads them: descriptor, declaration, SDL model
    { stage: 'supergraph', paths: ['schema/supergraph/'] }, // what a gateway reads from a composed supergraph and admits
    { stage: 'contracts', paths: ['schema/contracts/'] }, // the contract pipeline: governance, composition, lint, checks, lineage, publish
    { stage: 'registry', paths: ['schema/registry/'] }, // the registry service and its client
    { stage: 'exports', paths: ['schema/exports/'] }, // the contract in other standards
  ],
};

/** The gateway's stages in request order (bottom first); the life-cycle document says what each holds. */
const GATEWAY_STAGES: StageTable = {
  root: 'gateway/',
  stages: [
    { stage: 'primitives', paths: ['gateway/primitives/'] },
    { stage: 'config', paths: ['gateway/config.ts', 'gateway/config-loader.ts'] },
    { stage: 'context', paths: ['gateway/gateway-context.ts'] },
    { stage: 'shared-state', paths: ['gateway/shared-state/'] },
    { stage: 'observability', paths: ['gateway/observability/'] },
    { stage: 'supergraph', paths: ['gateway/supergraph/'] },
    { stage: 'operation', paths: ['gateway/operation/'] },
    { stage: 'access', paths: ['gateway/access/'] },
    { stage: 'transport', paths: ['gateway/transport/'] },
    // Above the fetch it serves: the stores implement what the fetch's cache layer asks for.
    { stage: 'cache', paths: ['gateway/cache/'] },
    { stage: 'execution', paths: ['gateway/execution/'] },
    { stage: 'plugins', paths: ['gateway/plugins/'] },
    { stage: 'http', paths: ['gateway/http/'] },
    { stage: 'catalog', paths: ['gateway/catalog/'] },
    { stage: 'mcp', paths: ['gateway/mcp/'] },
    { stage: 'onboarding', paths: ['gateway/onboarding/'] },
    { stage: 'quality', paths: ['gateway/quality/'] },
    { stage: 'composition', paths: ['gateway/create-gateway.ts', 'gateway/running-gateway.ts'] },
    { stage: 'cli', paths: ['gateway/cli/'] },
  ],
  // The request's context: it names the principal access makes and the deferred parts execution delivers.
  typesMayReachUp: ['gateway/gateway-context.ts'],
};

/** Every stage table: one per top-level folder with stages. */
const STAGE_TABLES: readonly StageTable[] = [SCHEMA_STAGES, GATEWAY_STAGES];

function stageOf(table: StageTable, file: string): { stage: string; rank: number } | undefined {
  const rank = table.stages.findIndex((s) => s.paths.some((path) => (path.endsWith('/') ? file.startsWith(path) : file === path)));
  return rank < 0 ? undefined : { stage: table.stages[rank]!.stage, rank };
}

/** Whether `file` may import `specifier` under `table`, and why not; imports out of the table's root are the rooms' rule. */
function stageRule(table: StageTable, file: string, specifier: string, typeOnly = false): string | undefined {
  if (!file.startsWith(table.root)) return undefined;
  const target = importTarget(file, specifier);
  if (!target.startsWith(table.root)) return undefined;
  const from = stageOf(table, file);
  const to = stageOf(table, target);
  if (!from || !to) return `${file} -> ${target} (${from ? target : file} is in no stage)`;
  if (to.rank <= from.rank) return undefined;
  if (typeOnly && table.typesMayReachUp?.includes(file)) return undefined;
  return `${file} -> ${target} (${from.stage} may not import ${to.stage}, a later stage)`;
}

/**
 * The relative modules a file imports only through `import type` or `export type ... from`:
 * the forms erased before the code runs. Anything else, an inline `type` marker included,
 * still loads the module.
 */
function typeOnlyImports(source: string): Set<string> {
  const typeOnly = new Set<string>();
  const loaded = new Set<string>();
  for (const statement of ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest).statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const erased = ts.isImportDeclaration(statement) ? Boolean(statement.importClause?.isTypeOnly) : statement.isTypeOnly;
      (erased ? typeOnly : loaded).add(statement.moduleSpecifier.text);
    }
  }
  for (const specifier of loaded) typeOnly.delete(specifier);
  return typeOnly;
}

/** Each import that runs up `table`'s stages, as `file -> target (why)`, over sources by path. */
function stageViolations(table: StageTable, sources: ReadonlyMap<string, string>): string[] {
  return [...sources].flatMap(([file, source]) => {
    if (!file.startsWith(table.root)) return [];
    // Only an excused file's type-only imports change the verdict: parse no other.
    const typeOnly = table.typesMayReachUp?.includes(file) ? typeOnlyImports(source) : new Set<string>();
    return relativeImports(source).flatMap((specifier) => stageRule(table, file, specifier, typeOnly.has(specifier)) ?? []);
  });
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

describe('the house inside schema/ and subgraphs/: parts import one way, the kit through its index', () => {
  const files = ['schema', 'subgraphs'].flatMap(sourceFiles);
  const importsOf = new Map(files.map((file) => [file, relativeImports(readFileSync(join(ROOT, file), 'utf8'))]));
  const broken = (rule: (file: string, specifier: string) => string | undefined) => files.flatMap((file) => importsOf.get(file)!.flatMap((specifier) => rule(file, specifier) ?? []));

  it('reads a file of the kit and of the demo', () => {
    // A guard on the guard: a walk that matched no file would hold every rule below by default.
    expect(files.filter((f) => f.startsWith(KIT)).length).toBeGreaterThan(10);
    expect(files.filter((f) => f.startsWith('subgraphs/') && !f.startsWith(KIT)).length).toBeGreaterThan(10);
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
    expect(stageRule(SCHEMA_STAGES, 'schema/product/descriptor.ts', '../contracts/governance.ts')).toMatch(/product may not import contracts/);
    expect(stageRule(SCHEMA_STAGES, 'schema/exports/odps.ts', '../registry/agreements.ts')).toBeUndefined();
    expect(stageRule(SCHEMA_STAGES, 'schema/registry/registry.ts', '../exports/odps.ts')).toMatch(/registry may not import exports/);
    expect(stageRule(SCHEMA_STAGES, 'schema/contracts/check.ts', '../loose.ts')).toMatch(/schema\/loose\.ts is in no stage/);
    expect(stageRule(SCHEMA_STAGES, 'schema/loose.ts', './contracts/check.ts')).toMatch(/schema\/loose\.ts is in no stage/);
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

describe('the house: stages import one way', () => {
  const files = ['schema', 'subgraphs', 'gateway', 'bench'].flatMap(sourceFiles);
  const sources = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));

  for (const table of STAGE_TABLES) {
    describe(table.root, () => {
      it('places every source file in a stage, and every stage holds one', () => {
        const inRoot = files.filter((file) => file.startsWith(table.root));
        expect(inRoot.filter((file) => !stageOf(table, file))).toEqual([]);
        for (const { stage } of table.stages)
          expect(
            inRoot.some((file) => stageOf(table, file)?.stage === stage),
            stage,
          ).toBe(true);
      });

      it('has no import from a stage into a later one', () => {
        expect(stageViolations(table, sources)).toEqual([]);
      });
    });
  }

  it('catches a loop between two gateway stages when one is written', () => {
    // Two stages that import each other: the import that runs up the order is named, the other passes.
    const planted = new Map([
      ['gateway/access/authentication.ts', "import { headersOf } from '../http/graphql-route.ts';"],
      ['gateway/http/graphql-route.ts', "import { createAuthenticator } from '../access/authentication.ts';"],
    ]);
    expect(stageViolations(GATEWAY_STAGES, planted)).toEqual(['gateway/access/authentication.ts -> gateway/http/graphql-route.ts (access may not import http, a later stage)']);
    // Every form counts: a dynamic import, a re-export, a type-only import outside the context record, an inline type marker.
    const forms = new Map([
      ['gateway/transport/product-request.ts', "const m = await import('../execution/plan-executor.ts');"],
      ['gateway/operation/document-memo.ts', "export { x } from '../plugins/gateway-plugins.ts';"],
      ['gateway/supergraph/supergraph-source.ts', "import type { Principal } from '../access/authentication.ts';"],
      ['gateway/primitives/set-own.ts', "import { type GatewayConfig } from '../config.ts';"],
      ['gateway/gateway-context.ts', "import type { Principal } from './access/authentication.ts';\nimport { planner } from './execution/plan-executor.ts';"],
    ]);
    expect(stageViolations(GATEWAY_STAGES, forms)).toEqual([
      'gateway/transport/product-request.ts -> gateway/execution/plan-executor.ts (transport may not import execution, a later stage)',
      'gateway/operation/document-memo.ts -> gateway/plugins/gateway-plugins.ts (operation may not import plugins, a later stage)',
      'gateway/supergraph/supergraph-source.ts -> gateway/access/authentication.ts (supergraph may not import access, a later stage)',
      'gateway/primitives/set-own.ts -> gateway/config.ts (primitives may not import config, a later stage)',
      'gateway/gateway-context.ts -> gateway/execution/plan-executor.ts (context may not import execution, a later stage)',
    ]);
    // The context record's type-only imports are the one excuse (above, its type import passed); a value import from it is not.
    expect(stageRule(GATEWAY_STAGES, 'gateway/gateway-context.ts', './access/authentication.ts', true)).toBeUndefined();
    expect(stageRule(GATEWAY_STAGES, 'gateway/gateway-context.ts', './access/authentication.ts')).toMatch(/context may not import access/);
    expect(stageRule(GATEWAY_STAGES, 'gateway/newroom/thing.ts', '../config.ts')).toMatch(/gateway\/newroom\/thing.ts is in no stage/);
    expect(stageRule(GATEWAY_STAGES, 'gateway/http/server.ts', '../../schema/protocol/error-codes.ts')).toBeUndefined();
  });
});
