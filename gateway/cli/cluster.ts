import cluster from 'node:cluster';
import { freePort } from '../http/free-port.ts';

/**
 * One gateway process per core: Apollo's planning and result shaping run on one thread, so
 * a single process leaves every other core idle. The primary only supervises; workers each
 * run a whole gateway and share one listening socket through node:cluster.
 */
export interface ClusterOptions {
  /** Worker processes to run. @example 2 */
  workers: number;
  /** The port workers share; 0 picks a free one once, in the primary. */
  port: number;
  host: string;
  /** Told the port once every worker listens. */
  onReady?: (port: number) => void;
}

/** In the primary: forks the workers and supervises them until SIGINT/SIGTERM. */
export async function runPrimary(options: ClusterOptions): Promise<void> {
  const port = options.port || (await freePort(options.host));
  let stopping = false;
  let listening = 0;
  const fork = () => cluster.fork({ MESHGATE_PORT: String(port), MESHGATE_CLUSTER_WORKER: '1' });
  cluster.on('listening', () => {
    if (++listening === options.workers) options.onReady?.(port);
  });
  cluster.on('exit', (worker, code, signal) => {
    // A worker that dies on its own is replaced; the others keep serving meanwhile.
    if (!stopping) {
      console.error(`meshgate worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (let i = 0; i < options.workers; i++) fork();
}
