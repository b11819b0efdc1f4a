import { describe, expect, it } from 'vitest';
import { RecencyMap } from '../../../gateway/primitives/recency-map.ts';

describe('RecencyMap', () => {
  it('drops the least recently set or touched entry when full; peek is not a use', () => {
    const map = new RecencyMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.touch('a')).toBe(1); // a is now the most recent
    expect(map.peek('b')).toBe(2); // b stays the oldest
    map.set('d', 4);
    expect([...map].map(([key]) => key)).toEqual(['c', 'a', 'd']);
    map.set('c', 30); // setting again makes it the most recent, without growing
    map.set('e', 5);
    expect([...map]).toEqual([
      ['d', 4],
      ['c', 30],
      ['e', 5],
    ]);
    expect(map.size).toBe(3);
    expect(map.has('a')).toBe(false);
    expect(map.touch('a')).toBeUndefined();
  });

  it('keeps an undefined value as an entry', () => {
    const map = new RecencyMap<string, undefined>(2);
    map.set('unparseable', undefined);
    expect(map.has('unparseable')).toBe(true);
    expect(map.touch('unparseable')).toBeUndefined();
    expect(map.size).toBe(1);
  });
});
