import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckReport } from '../contracts/check.ts';
import type { AgreedConsumer } from '../contracts/compatibility.ts';
import type { ClientFieldUsage, FieldUsageSource } from '../contracts/field-usage.ts';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { ProductFiles } from './mesh-folder.ts';
import type { BuildProduct, ComposedBuild } from './registry-compose.ts';

/** The work a check thread does: `meshgate check` over a mesh, or a build's composition and admission. */
export type CheckTask =
  | { kind: 'check'; mesh: { products: ProductFiles[]; baselines: ProductFiles[]; governance: string }; today: string; consumers?: Record<string, AgreedConsumer[]> }
  | { kind: 'compose'; products: BuildProduct[]; governance: string };

export type WorkerRequest = { kind: 'task'; id: number; task: CheckTask } | { kind: 'usage-answer'; id: number; rows?: ClientFieldUsage[]; error?: string };

export type WorkerReply =
  | { kind: 'done'; id: number; result: unknown }
  | { kind: 'failed'; id: number; code: MeshErrorCode | undefined; message: string }
  | { kind: 'usage'; id: number; coordinate: string; sinceDay: string; untilDay: string };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const HERE = import.meta.url;
/** Beside this file, with its extension: `.ts` from the sources, `.js` from a compiled package. */
const WORKER_URL = new URL(`./check-worker${extname(fileURLToPath(HERE))}`, HERE);

/** tsx's ESM register API, as its package exports it to `import` (its CommonJS twin cannot register ESM hooks in a thread). */
function tsxEsmApi(): string {
  const manifestPath = createRequire(HERE).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return join(dirname(manifestPath), manifest.exports['./esm/api']!.import.default);
}

/**
 * A thread from the sources needs TypeScript loaded in it, as the `meshgate` command loads it in the
 * main thread: tsx's loader is registered first, by absolute URL, wherever the process started.
 */
function startThread(workDir: string, heapMb: number): Worker {
  const options = { workerData: { workDir }, resourceLimits: { maxOldGenerationSizeMb: heapMb } };
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, options);
  const tsx = pathToFileURL(tsxEsmApi()).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`, { ...options, eval: true });
}

/**
 * Runs the registry's checks and compositions off its event loop, on one thread started on
 * first use (the registry runs one at a time; a second thread would only contend for the
 * same cores). A task past `timeoutMs` is stopped with CHECK_TIMEOUT: the thread is ended,
 * since synchronous work cannot be interrupted otherwise, and the next task starts a new one.
 */
export class CheckRunner {
  private thread: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private ids = 0;
  private readonly workDir = mkdtempSync(join(tmpdir(), 'meshgate-checks-'));

  constructor(
    private readonly options: {
      usage: FieldUsageSource;
      timeoutMs: number;
      /** The thread's heap; a contract within the limits needs a fraction of it. @default 1024 */
      heapMb?: number;
      log?: (line: string) => void;
    },
  ) {}

  /** `consumers`: each product's consumers under active agreements, named by its breaking changes. */
  check(mesh: { products: readonly ProductFiles[]; baselines: readonly ProductFiles[]; governance: string }, today: string, consumers?: Record<string, AgreedConsumer[]>): Promise<CheckReport> {
    return this.run({
      kind: 'check',
      mesh: { products: [...mesh.products], baselines: [...mesh.baselines], governance: mesh.governance },
      today,
      ...(consumers ? { consumers } : {}),
    }) as Promise<CheckReport>;
  }

  compose(products: readonly BuildProduct[], governance: string): Promise<ComposedBuild> {
    // Only what a composition reads crosses to the thread (a stored version carries more).
    return this.run({ kind: 'compose', products: products.map((p) => ({ product: p.product, descriptor: p.descriptor, sdl: p.sdl, url: p.url })), governance }) as Promise<ComposedBuild>;
  }

  private run(task: CheckTask): Promise<unknown> {
    const thread = this.started();
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(new MeshError(MeshErrorCode.CHECK_TIMEOUT, `The ${task.kind} ran past the registry's limit limits.checkTimeoutMs = ${this.options.timeoutMs} and was stopped; nothing was stored`));
      }, this.options.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      // Held open while it works for someone; idle, it lets the process end.
      thread.ref();
      thread.postMessage({ kind: 'task', id, task } satisfies WorkerRequest);
    });
  }

  private started(): Worker {
    if (this.thread) return this.thread;
    const thread = startThread(this.workDir, this.options.heapMb ?? 1024);
    thread.on('message', (reply: WorkerReply) => this.onReply(thread, reply));
    thread.on('error', (error) => {
      this.options.log?.(`registry: the check thread failed: ${error.stack ?? error.message}`);
      if (this.thread === thread) this.stop(new MeshError(MeshErrorCode.INTERNAL_SERVER_ERROR, 'The check stopped unexpectedly; nothing was stored'));
    });
    thread.on('exit', () => {
      if (this.thread === thread) this.stop(new MeshError(MeshErrorCode.INTERNAL_SERVER_ERROR, 'The check stopped unexpectedly; nothing was stored'));
    });
    this.thread = thread;
    return thread;
  }

  private onReply(thread: Worker, reply: WorkerReply): void {
    if (reply.kind === 'usage') {
      this.options.usage.clientsUsing(reply.coordinate, reply.sinceDay, reply.untilDay).then(
        (rows) => thread.postMessage({ kind: 'usage-answer', id: reply.id, rows } satisfies WorkerRequest),
        (error: unknown) => thread.postMessage({ kind: 'usage-answer', id: reply.id, error: (error as Error).message } satisfies WorkerRequest),
      );
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (this.pending.size === 0) thread.unref();
    if (reply.kind === 'done') pending.resolve(reply.result);
    else pending.reject(reply.code ? new MeshError(reply.code, reply.message) : new Error(reply.message));
  }

  /** Ends the thread and refuses whatever it was doing with `error`. */
  private stop(error: Error): void {
    const thread = this.thread;
    this.thread = undefined;
    void thread?.terminate();
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
    await thread?.terminate();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
