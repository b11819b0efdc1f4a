import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/**
 * A logger that keeps every line it writes, for a test to read what the gateway said: `lines`
 * as written (JSON text, one a line), `records()` parsed.
 */
export function loggerToLines(): { logger: Logger; lines: string[]; records: <T = Record<string, unknown>>() => T[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines, records: <T>() => lines.map((line) => JSON.parse(line) as T) };
}
