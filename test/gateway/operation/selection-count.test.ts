import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fragmentFanOutDocument } from '../../../bench/hostile/fragment-fanout-document.ts';
import { countExpandedSelections } from '../../../gateway/operation/selection-count.ts';

/** The expanded-size count the request guard refuses fragment fan-outs by. */
describe('countExpandedSelections', () => {
  it('counts a fan-out of n fragments exactly: 2^n copies of its one field', () => {
    for (const n of [0, 1, 2, 5, 10]) expect(countExpandedSelections(parse(fragmentFanOutDocument(n)), 1_000_000)).toBe(2 ** n);
  });

  it('counts fields under fields, inline fragments and every operation of the document', () => {
    const document = parse(`
      query A { customer(id: "1") { id ...C ... on Customer { name } } }
      query B { __typename ...Q }
      fragment C on Customer { segment country }
      fragment Q on Query { customer(id: "2") { ...C } }`);
    // A: customer, id, segment, country, name = 5; B: __typename, customer, segment, country = 4
    expect(countExpandedSelections(document, 100)).toBe(9);
  });

  it('stops at the cap: over it, the count is cap + 1 however large the expansion', () => {
    const huge = parse(fragmentFanOutDocument(1000));
    expect(countExpandedSelections(huge, 10_000)).toBe(10_001);
    expect(countExpandedSelections(parse(fragmentFanOutDocument(14)), 16_383)).toBe(16_384);
    expect(countExpandedSelections(parse(fragmentFanOutDocument(14)), 16_384)).toBe(16_384);
  });

  it('counts a cycle of fragments (refused later by validation) without recursing forever', () => {
    const document = parse('{ ...A } fragment A on Query { __typename ...B } fragment B on Query { __typename ...A }');
    expect(countExpandedSelections(document, 100)).toBe(2);
  });
});
