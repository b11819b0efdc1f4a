#!/usr/bin/env node
// Which meshgate runs: the compiled JavaScript in dist/, or the TypeScript sources through
// tsx (whose loader costs every start ~0.8 s of CPU and ~40 MB, its hooks in a second isolate).
// - An installed package carries no TypeScript sources (its `files` leave them out), only
//   dist/ and the files that are not code: it runs dist/.
// - A clone runs its sources, so it needs no build step and an edit shows at the next start,
//   unless dist/ was built from the sources exactly as they are now (build stamp newer than
//   every source): then it runs dist/. A stale or half-written dist/ left in a clone is never
//   run instead of the sources being edited; deleting dist/ always goes back to the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isBuildCurrent } from './compiled-build.js';

const root = new URL('..', import.meta.url);
const sources = new URL('gateway/cli/main.ts', root);
const compiled = new URL('dist/gateway/cli/main.js', root);

if (!existsSync(sources)) {
  if (!existsSync(compiled)) {
    console.error('meshgate: this installation has neither its compiled build (dist/) nor its sources; reinstall meshgate');
    process.exit(1);
  }
  await import(compiled.href);
} else if (isBuildCurrent(fileURLToPath(root))) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
}
