import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RepresentationKeys } from '../../../gateway/execution/entity-representations.ts';

/**
 * RepresentationKeys lives as long as its plan, across requests: what a product names as
 * `__typename` must not grow it. Names the schema does not have are not keyed (the entity is
 * represented in full), so it remembers at most the schema's types.
 */
describe('RepresentationKeys', () => {
  const schema = buildSchema('type Query { a: Int }  type Product { upc: ID! }');
  const requires = [
    {
      kind: 'InlineFragment' as const,
      typeCondition: 'Product',
      selections: [
        { kind: 'Field' as const, name: '__typename' },
        { kind: 'Field' as const, name: 'upc' },
      ],
    },
  ];
  const remembered = (keys: RepresentationKeys<string>) => (keys as unknown as { fieldsByType: Map<string, unknown> }).fieldsByType.size;

  it('keys entities of the schema\u2019s types by their values', () => {
    const keys = new RepresentationKeys<string>(schema, requires);
    const kept = new Map<unknown, unknown>();
    expect(keys.keep(kept, { __typename: 'Product', upc: '1' }, () => 'one')).toBe('one');
    expect(keys.keep(kept, { __typename: 'Product', upc: '1' }, () => 'again')).toBe('one');
    expect(keys.keep(kept, { __typename: 'Product', upc: 1 }, () => 'number')).toBe('number');
    expect(keys.keep(kept, { __typename: 'Product', upc: '2' }, () => 'two')).toBe('two');
  });

  it('does not key, nor remember, a type name the schema does not have', () => {
    const keys = new RepresentationKeys<string>(schema, requires);
    for (let request = 0; request < 20; request++) {
      const kept = new Map<unknown, unknown>();
      for (let i = 0; i < 100; i++) {
        const entity = { __typename: `Junk${request}_${i}`, upc: '1' };
        expect(keys.keep(kept, entity, () => 'first')).toBe('first');
        expect(keys.keep(kept, entity, () => 'again')).toBe('again');
      }
      keys.keep(kept, { __typename: 'Product', upc: '1' }, () => 'product');
    }
    expect(remembered(keys)).toBe(1);
  });
});
