import { describe, expect, it } from 'vitest';
import { QueryLog } from '../../subgraphs/kit/store.ts';

describe('QueryLog', () => {
  it('keeps the most recent statements, normalised, and never grows past twice its limit', () => {
    const log = new QueryLog();
    const total = 3 * QueryLog.LIMIT + 7;
    for (let i = 0; i < total; i++) log.record(`SELECT  ${i}\n FROM t`);
    expect(log.statements.length).toBeGreaterThanOrEqual(QueryLog.LIMIT);
    expect(log.statements.length).toBeLessThanOrEqual(2 * QueryLog.LIMIT);
    expect(log.statements.at(-1)).toBe(`SELECT ${total - 1} FROM t`);
    const first = Number(/SELECT (\d+)/.exec(log.statements[0]!)![1]);
    expect(log.statements).toEqual(Array.from({ length: total - first }, (_, i) => `SELECT ${first + i} FROM t`));
  });
});
