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

export interface ChildServiceOptions<Ready> {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Node flags for this child alone, e.g. `--cpu-prof` on one side. */
  execArgv?: string[];
  /**
   * For a child that says it is ready on stdout rather than over IPC (a CLI, run as its
   * users run it): called with everything it printed so far until it returns the ready
   * message. Its stdout is passed through meanwhile.
   */
  readyOnOutput?: (output: string) => Ready | undefined;
}

/**
 * Forks `script` and waits for its `{ type: 'ready' }` message, or for `readyOnOutput` to
 * find it in what it prints. `execArgv` lets a run add `--cpu-prof` to one side without
 * touching the other.
 */
export async function startChildService<Ready extends { type: 'ready' }>(script: string, options: ChildServiceOptions<Ready> = {}): Promise<ChildService<Ready>> {
  const child = fork(script, options.args ?? [], {
    // A .ts script runs under tsx; plain .mjs under plain node, with no loader in its way.
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])],
    // meshgate signs every product fetch, as in production; products and gateway derive their
    // keys from this one bench secret (schema/protocol/signing-keys.ts), so the signing cost is measured.
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', MESHGATE_SIGNING_SECRET: process.env.MESHGATE_SIGNING_SECRET ?? 'meshgate-bench-secret', ...options.env },
    stdio: ['ignore', options.readyOnOutput ? 'pipe' : 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready') resolve(message as Ready);
    });
    const readyOnOutput = options.readyOnOutput;
    if (!readyOnOutput) return;
    let output: string | undefined = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (output === undefined) return;
      output += chunk.toString();
      const message = readyOnOutput(output);
      if (message) {
        output = undefined;
        resolve(message);
      }
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
