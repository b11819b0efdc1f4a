import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceDir } from '../../../schema/source-tree.ts';

/** Where the built explorer lives: gitignored, next to its sources, for tsx and compiled runs alike. */
export const EXPLORER_BUNDLE_DIR = join(sourceDir(import.meta.dirname), 'bundle');

/** The files a complete bundle holds; the page and its server name nothing else. */
export const EXPLORER_FILES = ['explorer.js', 'explorer.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js'] as const;

export function explorerBuilt(dir = EXPLORER_BUNDLE_DIR): boolean {
  return EXPLORER_FILES.every((file) => existsSync(join(dir, file)));
}

/**
 * Bundles GraphiQL (React, monaco and its workers) with esbuild into `dir`. Fonts and icons
 * are inlined as data URLs, so the page asks nothing of any other host. Built into a
 * sibling folder and renamed into place, so a server never reads a half-written bundle.
 */
export async function buildExplorer(dir = EXPLORER_BUNDLE_DIR): Promise<void> {
  const { build } = await import('esbuild');
  const require = createRequire(import.meta.url);
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
    await build({ ...common, entryPoints: { explorer: join(sourceDir(import.meta.dirname), 'explorer-client.js') }, outdir: staging });
    await build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
        'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
        'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
      },
      outdir: staging,
    });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

// `npm install` runs this (the `prepare` script): the explorer is built once, on the machine.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await buildExplorer();
  console.log(`explorer built into ${EXPLORER_BUNDLE_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
