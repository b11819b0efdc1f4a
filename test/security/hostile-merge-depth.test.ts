import { describe, expect, it } from 'vitest';
import { mergeInto } from '../../gateway/execution/entity-representations.ts';

/**
 * Two answers for one object, from products that nest the same extra key as deep as JSON
 * lets them (JSON.parse reads any depth). Merging them into the response tree must not
 * overflow the stack: an uncoded RangeError would take the whole response with it.
 */
function nested(depth: number, leaf: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(`${'{"x":'.repeat(depth)}${JSON.stringify(leaf)}${'}'.repeat(depth)}`) as Record<string, unknown>;
}

describe('merging product answers nested past the stack', () => {
  it('merges both, key by key, without a RangeError', () => {
    const depth = 200_000;
    const target = { id: '1', ...nested(depth, { a: 1 }) };
    expect(() => mergeInto(target, nested(depth, { b: 2 }))).not.toThrow();
    let at: Record<string, unknown> = target;
    for (let i = 0; i < depth; i++) at = at.x as Record<string, unknown>;
    expect(at).toEqual({ a: 1, b: 2 });
  });

  it('merges lists of equal length element by element at any depth', () => {
    const depth = 200_000;
    const target = { list: [{ keep: true, ...nested(depth, { a: 1 }) }, 'plain'] };
    mergeInto(target, { list: [{ ...nested(depth, { b: 2 }) }, 'replaced'] });
    let at = target.list[0] as Record<string, unknown>;
    expect(at.keep).toBe(true);
    for (let i = 0; i < depth; i++) at = at.x as Record<string, unknown>;
    expect(at).toEqual({ a: 1, b: 2 });
    expect(target.list[1]).toBe('replaced');
  });
});
