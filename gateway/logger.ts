import { pino, type Logger } from 'pino';

/**
 * The gateway's structured logger. JSON lines to stdout; `MESHGATE_LOG_LEVEL` sets the
 * level (default `info`, `silent` under the test runner so test output stays readable).
 */
export const logger: Logger = pino({
  name: 'meshgate',
  level: process.env.MESHGATE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
});
