import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first capture of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `node bin/meshgate.js ...args` as a real child process, the way a user would;
 * `script` runs another entry point instead, e.g. a compiled `dist/gateway/cli/main.js`.
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: { cwd?: string; script?: string } = {}): CliProcess {
  return trackProcess(spawn(process.execPath, [options.script ?? 'bin/meshgate.js', ...args], { env: { ...process.env, ...env }, stdio: 'pipe', cwd: options.cwd }));
}

/** A spawned process as a {@link CliProcess}; `kill` sends a signal (to a process group, say) instead of `child.kill`. */
export function trackProcess(child: ChildProcessWithoutNullStreams, kill: (signal: NodeJS.Signals) => void = (signal) => child.kill(signal)): CliProcess {
  let output = '';
  // 'exit' can come before the last of the output has been read from the pipes (seen under
  // load in CI): the code is given once the pipes close too, or after a grace period, for a
  // process that left a child holding them.
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      const grace = setTimeout(() => resolve(code), 5_000);
      child.once('close', () => {
        clearTimeout(grace);
        resolve(code);
      });
    }),
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`Timed out waiting for ${pattern}; output:\n${output}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(undefined, match[1] ?? match[0]);
        };
        let settled = false;
        const onExit = (code: number | null) => {
          check();
          done(new Error(`Process exited (${code}) before ${pattern}; output:\n${output}`));
        };
        function done(error?: Error, value?: string) {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          child.stdout.off('data', check);
          if (error) reject(error);
          else resolve(value!);
        }
        child.stdout.on('data', check);
        void exited.then(onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) kill(signal);
      return exited;
    },
  };
}
