import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyDenials, pruneOperation } from '../../gateway/access/operation-pruning.ts';

/**
 * A client aliasing a field it may not read as a key every object inherits. Its null must
 * be an own key of the answer, beside its FORBIDDEN_FIELD error: assigned through the
 * prototype setter it would swap the object's prototype instead, and the key would vanish.
 */
const schema = buildSchema('type Query { a: A  list: [A] } type A { secret: String  open: String }');

function denied(query: string) {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return pruneOperation(schema, document, operation, (coordinate) => (coordinate === 'A.secret' ? 'it requires scope x:read' : null)).denied;
}

describe('a denied field under an inherited key as its alias', () => {
  it.each(['__proto__', 'constructor'])('%s: an own null key with its error, no prototype changed', (alias) => {
    const data = { a: { open: 'x' }, list: [{ open: 'y' }] };
    const result = applyDenials(data, denied(`{ a { ${alias}: secret open } list { ${alias}: secret } }`));
    const a = result.data!.a as Record<string, unknown>;
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(Object.hasOwn(a, alias) && a[alias]).toBe(null);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual(JSON.parse(`{"a":{"open":"x","${alias}":null},"list":[{"open":"y","${alias}":null}]}`));
    expect(result.errors.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['FORBIDDEN_FIELD', ['a', alias]],
      ['FORBIDDEN_FIELD', ['list', 0, alias]],
    ]);
    // The answer it was given is shared with other callers: never changed.
    expect(data).toEqual({ a: { open: 'x' }, list: [{ open: 'y' }] });
  });
});
