import { seedMesh } from '../gateway/cli/seed-command.ts';
import { ensureExplorerBuilt } from '../gateway/http/explorer/build-explorer.ts';

export default async function setup(): Promise<void> {
  // Once, before the workers, side by side (one is mostly DuckDB, the other mostly npm's I/O):
  // the browser tests load the explorer, and `npm install` no longer builds it (the first
  // `npm start` does, in the background). Nothing to do when it is built.
  await Promise.all([seedMesh(undefined, () => {}), ensureExplorerBuilt()]);
}
