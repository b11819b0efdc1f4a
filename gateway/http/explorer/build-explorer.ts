import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT, sourceDir } from '../../../schema/base/source-tree.ts';

/**
 * Everything the explorer needs that is not source lives here, outside version control:
 * its packages (GraphiQL, React, monaco) and the bundle built from them. They are not in
 * the repository's own dependencies because they are half the files `npm install` unpacks
 * (14,000 of 28,000) and the gateway answers without them: the first `npm start` installs
 * them from the explorer's own lockfile in the background, after the gateway answers.
 */
const EXPLORER_CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'meshgate-explorer');

/** Where the built explorer lives, for tsx and compiled runs alike. */
export const EXPLORER_BUNDLE_DIR = join(EXPLORER_CACHE_DIR, 'bundle');

/** The explorer's package.json and package-lock.json: what its packages are, exactly. */
const PACKAGES_SOURCE = join(sourceDir(import.meta.dirname), 'packages');
const CLIENT_SOURCE = join(sourceDir(import.meta.dirname), 'explorer-client.js');

/** The files a complete bundle holds; the page and its server name nothing else. */
export const EXPLORER_FILES = ['explorer.js', 'explorer.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'] as const;

/** Written last into a bundle: what it was built from, so a changed lockfile or client rebuilds it. */
const BUILT_FROM = 'built-from.txt';

function buildInputs(): string {
  return [readFileSync(join(PACKAGES_SOURCE, 'package-lock.json'), 'utf8'), readFileSync(CLIENT_SOURCE, 'utf8')].join('\0');
}

export function explorerBuilt(dir = EXPLORER_BUNDLE_DIR): boolean {
  if (!EXPLORER_FILES.every((file) => existsSync(join(dir, file)))) return false;
  try {
    return readFileSync(join(dir, BUILT_FROM), 'utf8') === buildInputs();
  } catch {
    return false;
  }
}

/**
 * Installs the explorer's packages with `npm ci` from its lockfile into a folder of this
 * process and renames it into place: two processes building at once (two `npm start`s, test
 * workers) never install into the same folder. npm's cache serves them without a network
 * when an earlier install fetched them. Returns the folder that holds their node_modules.
 */
async function installPackages(): Promise<string> {
  const installed = join(EXPLORER_CACHE_DIR, 'packages');
  const lock = readFileSync(join(PACKAGES_SOURCE, 'package-lock.json'), 'utf8');
  const marker = join(installed, 'package-lock.json');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lock && existsSync(join(installed, 'node_modules', 'graphiql'))) return installed;
  const staging = `${installed}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(PACKAGES_SOURCE, file), join(staging, file));
  try {
    // No install scripts: none of these packages needs one, and none should run unasked.
    await promisify(execFile)(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: staging,
      maxBuffer: 16 * 1024 * 1024,
    });
    rmSync(installed, { recursive: true, force: true });
    renameSync(staging, installed);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1);
    throw new Error(`could not install the explorer's packages with npm ci (${stderr || (error as Error).message}); run \`npm run build:explorer\` where the npm registry is reachable`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return installed;
}

/**
 * Installs the explorer's packages (first time only) and bundles GraphiQL (React, monaco and
 * its workers) with esbuild into `dir`. Fonts and icons are inlined as data URLs, so the page
 * asks nothing of any other host. The client is bundled from beside its packages, so React
 * resolves to one copy. Built into a sibling folder and renamed into place, so a server
 * never reads a half-written bundle.
 */
async function buildExplorer(dir = EXPLORER_BUNDLE_DIR): Promise<void> {
  const { build } = await import('esbuild');
  const inputs = buildInputs();
  const packages = await installPackages();
  const require = createRequire(join(packages, 'package.json'));
  const entry = join(packages, 'explorer-client.js');
  copyFileSync(CLIENT_SOURCE, entry);
  const staging = `${dir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    format: 'iife' as const,
    target: 'es2022',
    legalComments: 'none' as const,
    logLevel: 'error' as const,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' } as const,
  };
  try {
    await build({ ...common, entryPoints: { explorer: entry }, outdir: staging });
    await build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
      },
      outdir: staging,
    });
    writeFileSync(join(staging, BUILT_FROM), inputs);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

let building: Promise<void> | undefined;

/** Builds the explorer once per process, unless a complete bundle of the current inputs is there. */
export async function ensureExplorerBuilt(): Promise<void> {
  if (explorerBuilt()) return;
  building ??= buildExplorer().finally(() => (building = undefined));
  await building;
}

// `npm run build:explorer` runs this: ahead of the first request, or where no registry is reachable at run time.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await buildExplorer();
  console.log(`explorer built into ${EXPLORER_BUNDLE_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
