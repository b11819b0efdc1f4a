import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

/**
 * The gateway's structured logger. JSON lines to stdout; `MESHGATE_LOG_LEVEL` sets the
 * level (default `info`, `silent` under the test runner so test output stays readable).
 * With tracing on, each line carries the active `traceId` and `spanId`, so a log line leads
 * to its trace.
 */
export const logger: Logger = pino({
  name: 'meshgate',
  level: process.env.MESHGATE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  mixin() {
    const span = trace.getActiveSpan();
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  },
});
