import { describe, expect, it } from 'vitest';
import { setOwn } from '../../../gateway/primitives/set-own.ts';

describe('setOwn', () => {
  it('writes `__proto__` as an own, enumerable key and leaves the prototype alone', () => {
    const object: Record<string, unknown> = {};
    setOwn(object, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(['__proto__']);
    expect((object as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(object))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
  });

  it('writes any other key as a plain assignment', () => {
    const object: Record<string, unknown> = { a: 1 };
    setOwn(object, 'a', 2);
    setOwn(object, 'b', null);
    expect(object).toEqual({ a: 2, b: null });
  });
});
