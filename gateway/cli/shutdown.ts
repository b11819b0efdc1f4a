import { shutdownTracing } from '../../schema/protocol/trace-propagation.ts';

/** Options of {@link onShutdownSignal}. */
export interface ShutdownOptions {
  /**
   * Also stop when the process that started this one exits. `npm start` runs the command
   * under npm and a shell; a SIGTERM to npm's process ends npm and the shell but not this
   * process, which would keep its ports bound with nobody left to stop it. Only for commands
   * run under a wrapper: a gateway started with `nohup ... &` is meant to outlive its shell.
   * @default false
   */
  withParent?: boolean;
}

/** How often the parent is looked for; a stop a second late is still a stop. */
const PARENT_POLL_MS = 500;

/**
 * Runs `stop` once on SIGINT or SIGTERM (or when the parent exits, with `withParent`), then
 * exits. A second signal exits at once, for the operator whose first Ctrl-C is taking too long.
 */
export function onShutdownSignal(stop: () => Promise<void>, options: ShutdownOptions = {}): void {
  let stopping = false;
  let parentWatch: NodeJS.Timeout | undefined;
  const handler = (signal: NodeJS.Signals | 'parent exited') => {
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(parentWatch);
    console.log(`\n${signal === 'parent exited' ? 'The process that started meshgate exited' : `${signal} received`}, stopping...`);
    // Buffered spans are flushed last, so the stop itself is traced too.
    stop()
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Shutdown failed:', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  if (options.withParent) {
    // An orphan is handed to init or a subreaper: its parent id changes.
    const parent = process.ppid;
    parentWatch = setInterval(() => {
      if (process.ppid !== parent) handler('parent exited');
    }, PARENT_POLL_MS).unref();
  }
}
