import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientFieldUsage, FieldUsageSource } from '../contracts/field-usage.ts';
import { MeshError } from '../protocol/error-codes.ts';
import type { CheckTask, WorkerReply, WorkerRequest } from './check-runner.ts';
import { checkMeshFolder } from './mesh-folder.ts';
import { composeBuild } from './registry-compose.ts';

/**
 * The registry's checks and compositions, on a thread of their own (`CheckRunner` starts
 * it): they are synchronous CPU work of seconds for a large contract, and on the registry's
 * event loop they would hold `/healthz`, every gateway's poll and every other request.
 */
const port = parentPort!;
const { workDir } = workerData as { workDir: string };

/** Usage lives in the registry's store, on the main thread: asked for over the port. */
const pendingUsage = new Map<number, { resolve: (rows: ClientFieldUsage[]) => void; reject: (error: Error) => void }>();
let usageIds = 0;
const usage: FieldUsageSource = {
  clientsUsing: (coordinate, sinceDay, untilDay) =>
    new Promise((resolve, reject) => {
      const id = ++usageIds;
      pendingUsage.set(id, { resolve, reject });
      port.postMessage({ kind: 'usage', id, coordinate, sinceDay, untilDay } satisfies WorkerReply);
    }),
  close: async () => {},
};

/** One folder per governance text: the check caches governance by path for the life of the thread. */
const folderFor = (governance: string) => join(workDir, createHash('sha256').update(governance).digest('hex').slice(0, 16));

async function run(task: CheckTask): Promise<unknown> {
  switch (task.kind) {
    case 'check':
      return checkMeshFolder(folderFor(task.mesh.governance), task.mesh, { usage, today: task.today, consumers: task.consumers });
    case 'compose':
      return composeBuild(task.products, task.governance);
  }
}

port.on('message', (message: WorkerRequest) => {
  if (message.kind === 'usage-answer') {
    const waiting = pendingUsage.get(message.id);
    pendingUsage.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.rows ?? []);
    return;
  }
  run(message.task).then(
    (result) => port.postMessage({ kind: 'done', id: message.id, result } satisfies WorkerReply),
    (error: unknown) =>
      port.postMessage({ kind: 'failed', id: message.id, code: error instanceof MeshError ? error.code : undefined, message: (error as Error).message ?? String(error) } satisfies WorkerReply),
  );
});
