import { shutdownTracing } from '../../schema/protocol/trace-propagation.ts';

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits. A second signal exits at once, for
 * the operator whose first Ctrl-C is taking too long.
 */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal} received, stopping...`);
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
}
