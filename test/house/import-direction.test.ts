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
  /** Known backward edges, `file -> target`, each to be deleted with the change that removes it. */
  pending?: readonly string[];
}

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
  // Temporary: the product services build the caching data source. Removed by the fetch-layers slice.
  pending: ['gateway/transport/product-services.ts -> gateway/cache/caching-data-source.ts', 'gateway/transport/product-services.ts -> gateway/cache/watermark-cache.ts'],
};

/** Every stage table; each top-level folder with stages adds its own. */
const STAGE_TABLES: readonly StageTable[] = [GATEWAY_STAGES];

function stageOf(table: StageTable, file: string): { stage: string; rank: number } | undefined {
  const rank = table.stages.findIndex((s) => s.paths.some((path) => (path.endsWith('/') ? file.startsWith(path) : file === path)));
  return rank < 0 ? undefined : { stage: table.stages[rank]!.stage, rank };
}

/** Whether `file` may import `specifier` under `table`, and why not; imports out of the table's root are the rooms' rule. */
function stageRule(table: StageTable, file: string, specifier: string, typeOnly = false): string | undefined {
  if (!file.startsWith(table.root)) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (!target.startsWith(table.root)) return undefined;
  const from = stageOf(table, file);
  const to = stageOf(table, target);
  if (!from || !to) return `${file} -> ${target} (${from ? target : file} is in no stage)`;
  if (to.rank <= from.rank) return undefined;
  if (typeOnly && table.typesMayReachUp?.includes(file)) return undefined;
  if (table.pending?.includes(`${file} -> ${target}`)) return undefined;
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
    const typeOnly = typeOnlyImports(source);
    return relativeImports(source).flatMap((specifier) => stageRule(table, file, specifier, typeOnly.has(specifier)) ?? []);
  });
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

describe('the house: stages import one way', () => {
  const files = ['schema', 'subgraphs', 'gateway', 'bench'].flatMap(sourceFiles);
  const sources = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));

  for (const table of STAGE_TABLES) {
    describe(table.root, () => {
      it('places every source file in a stage, and every stage holds one', () => {
        const inRoot = files.filter((file) => file.startsWith(table.root));
        expect(inRoot.filter((file) => !stageOf(table, file))).toEqual([]);
        for (const { stage } of table.stages) expect(inRoot.some((file) => stageOf(table, file)?.stage === stage), stage).toBe(true);
      });

      it('has no import from a stage into a later one', () => {
        expect(stageViolations(table, sources)).toEqual([]);
      });

      it('excuses only edges that still exist', () => {
        // A pending edge that is gone must leave the list, so the list cannot hide a new one.
        const edges = new Set([...sources].flatMap(([file, source]) => relativeImports(source).map((specifier) => `${file} -> ${posix.normalize(posix.join(posix.dirname(file), specifier))}`)));
        for (const edge of table.pending ?? []) expect(edges.has(edge), edge).toBe(true);
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
    ]);
    expect(stageViolations(GATEWAY_STAGES, forms)).toEqual([
      'gateway/transport/product-request.ts -> gateway/execution/plan-executor.ts (transport may not import execution, a later stage)',
      'gateway/operation/document-memo.ts -> gateway/plugins/gateway-plugins.ts (operation may not import plugins, a later stage)',
      'gateway/supergraph/supergraph-source.ts -> gateway/access/authentication.ts (supergraph may not import access, a later stage)',
      'gateway/primitives/set-own.ts -> gateway/config.ts (primitives may not import config, a later stage)',
    ]);
    // The context record's type-only imports are the one excuse; a value import from it is not.
    expect(stageRule(GATEWAY_STAGES, 'gateway/gateway-context.ts', './access/authentication.ts', true)).toBeUndefined();
    expect(stageRule(GATEWAY_STAGES, 'gateway/gateway-context.ts', './access/authentication.ts')).toMatch(/context may not import access/);
    expect(stageRule(GATEWAY_STAGES, 'gateway/newroom/thing.ts', '../config.ts')).toMatch(/gateway\/newroom\/thing.ts is in no stage/);
    expect(stageRule(GATEWAY_STAGES, 'gateway/http/server.ts', '../../schema/protocol/error-codes.ts')).toBeUndefined();
  });
});
