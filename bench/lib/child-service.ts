import { fork, type ChildProcess } from 'node:child_process';

/** A service running in its own process, so /proc can attribute CPU and memory to it alone. */
export interface ChildService<Ready> {
  readonly pid: number;
  readonly ready: Ready;
  readonly child: ChildProcess;
  /** Sends `message` and resolves with the first reply of the same `type`. */
  ask<Reply>(message: { type: string }): Promise<Reply>;
  stop(): Promise<void>;
}

/**
 * Forks `script` and waits for its `{ type: 'ready' }` message. `execArgv` lets
 * a run add `--cpu-prof` to one side without touching the other.
 */
export async function startChildService<Ready extends { type: 'ready' }>(script: string, options: { args?: string[]; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<ChildService<Ready>> {
  const child = fork(script, options.args ?? [], {
    // A .ts script runs under tsx; plain .mjs under plain node, with no loader in its way.
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])],
    // meshgate signs every product fetch, as in production; products and gateway derive their
    // keys from this one bench secret (gateway/keys.ts), so the signing cost is measured.
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', MESHGATE_SIGNING_SECRET: process.env.MESHGATE_SIGNING_SECRET ?? 'meshgate-bench-secret', ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready') resolve(message as Ready);
    });
  });
  child.removeAllListeners('exit');
  return {
    pid: child.pid!,
    ready,
    child,
    ask: (message) =>
      new Promise((resolve) => {
        const onMessage = (reply: { type?: string }) => {
          if (reply.type !== message.type) return;
          child.off('message', onMessage);
          resolve(reply as never);
        };
        child.on('message', onMessage);
        child.send(message);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      // SIGINT, not SIGKILL: a child started with --cpu-prof writes its profile on a clean exit.
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      await exited;
    },
  };
}
