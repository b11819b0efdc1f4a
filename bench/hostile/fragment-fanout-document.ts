/**
 * The fragment fan-out: `n` fragments, each spreading the next twice, the last selecting
 * one field. A few hundred bytes of text that expand to 2^n copies of that field, shallow
 * and alias-free, so only an expanded-size limit sees it.
 */
export function fragmentFanOutDocument(n: number): string {
  const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return [`query FanOut { ...F0 }`, ...fragments, `fragment F${n} on Query { __typename }`].join('\n');
}
