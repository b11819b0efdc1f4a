import { describe, expect, it } from 'vitest';
import { Singleflight } from '../../../gateway/primitives/singleflight.ts';

/** A piece of work the test settles by hand, counting how often it was started. */
function work<T>() {
  const started: ((outcome: { value: T } | { error: Error }) => void)[] = [];
  const start = () =>
    new Promise<T>((resolve, reject) => {
      started.push((outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.value)));
    });
  return { start, started };
}

describe('Singleflight', () => {
  it('shares one flight among callers of a key while it is in the air, and none after it lands', async () => {
    const flights = new Singleflight<string>();
    const { start, started } = work<string>();
    const first = flights.join('k', start);
    const second = flights.join('k', start);
    const other = flights.join('other', start);
    expect([first.shared, second.shared, other.shared]).toEqual([false, true, false]);
    expect(started).toHaveLength(2);
    expect(flights.size).toBe(2);
    started[0]!({ value: 'answer' });
    expect(await Promise.all([first.result, second.result])).toEqual(['answer', 'answer']);
    expect(flights.size).toBe(1);
    const later = flights.join('k', start);
    expect(later.shared).toBe(false);
    expect(started).toHaveLength(3);
  });

  it('hands a failure to the callers already waiting, and a fresh start to the next', async () => {
    const flights = new Singleflight<number>();
    const { start, started } = work<number>();
    const first = flights.join('k', start);
    const second = flights.join('k', start);
    started[0]!({ error: new Error('product down') });
    await expect(first.result).rejects.toThrow('product down');
    await expect(second.result).rejects.toThrow('product down');
    const next = flights.join('k', start);
    expect(next.shared).toBe(false);
    started[1]!({ value: 7 });
    expect(await next.result).toBe(7);
  });
});
