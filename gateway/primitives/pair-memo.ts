/**
 * A value made once per pair of objects (a schema and an operation, a set of rules and a
 * schema) and dropped with either: nested weak maps, so nothing is kept for a schema a reload
 * replaced or a document no request holds. Arguments after the pair are passed to `make` but
 * are no part of the key: they must be fixed by the pair (an operation's document).
 */
export function memoByPair<A extends object, B extends object, T, R extends unknown[] = []>(make: (a: A, b: B, ...rest: R) => T): (a: A, b: B, ...rest: R) => T {
  const byFirst = new WeakMap<A, WeakMap<B, T>>();
  return (a, b, ...rest) => {
    let bySecond = byFirst.get(a);
    if (!bySecond) {
      bySecond = new WeakMap();
      byFirst.set(a, bySecond);
    }
    if (bySecond.has(b)) return bySecond.get(b) as T;
    const value = make(a, b, ...rest);
    bySecond.set(b, value);
    return value;
  };
}
