import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a running `meshgate start` put the mesh's products. The committed supergraph names
 * the default ports (4001-4005); `start --port 5000` puts them at 5001-5005, and
 * `meshgate dev --root` then reads this file, written into the mesh's `.meshgate/` while
 * start runs, to reach them where they are.
 */
export interface StartedMesh {
  pid: number;
  gateway: string;
  products: Record<string, string>;
}

const fileOf = (root: string) => join(root, '.meshgate', 'started.json');

/** Records the running mesh; the returned function removes the record again (on stop). */
export function recordStartedMesh(root: string, mesh: Omit<StartedMesh, 'pid'>): () => void {
  const file = fileOf(root);
  mkdirSync(join(root, '.meshgate'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, ...mesh }, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}

/** The running mesh's record, or undefined when none is recorded or its process is gone (a start that was killed). */
export function readStartedMesh(root: string): StartedMesh | undefined {
  const file = fileOf(root);
  if (!existsSync(file)) return undefined;
  try {
    const mesh = JSON.parse(readFileSync(file, 'utf8')) as StartedMesh;
    process.kill(mesh.pid, 0);
    return typeof mesh.products === 'object' && mesh.products !== null ? mesh : undefined;
  } catch {
    return undefined;
  }
}
