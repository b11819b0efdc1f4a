import { randomBytes } from 'node:crypto';
import { serialize } from 'node:v8';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';

/** V8's serializer tags a one-byte string `"` (0x22) and a two-byte one `c`: the one way to see a string's encoding from JavaScript. */
const oneByte = (text: string) => serialize(text)[2] === 0x22;

/**
 * A supergraph whose names no other code in this process has met (V8 keeps the first copy of
 * a name it meets), with a `@requires` between products as in the federation benchmark, and
 * a description that may hold a character outside Latin-1, which makes the whole SDL
 * two-byte. Composition meets the names first, so the supergraph it writes is renamed after.
 */
function freshSupergraph(description: string): { sdl: string; fields: string[] } {
  const tag = randomBytes(6).toString('hex');
  const fresh = randomBytes(6).toString('hex');
  const [upc, weight, estimate, reviews] = [`upc${tag}`, `weight${tag}`, `shippingEstimate${tag}`, `reviews${tag}`];
  const composed = composeServices([
    {
      name: 'products',
      url: 'http://products.invalid/graphql',
      typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query { top${tag}: [Product] }
        """DESCRIPTION"""
        type Product @key(fields: "${upc}") { ${upc}: String! ${weight}: Int }`),
    },
    {
      name: 'inventory',
      url: 'http://inventory.invalid/graphql',
      typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
        type Product @key(fields: "${upc}") { ${upc}: String! ${weight}: Int @external ${estimate}: Int @requires(fields: "${weight}") ${reviews}: [String] }`),
    },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const sdl = composed.supergraphSdl.replaceAll(tag, fresh).replace('DESCRIPTION', description);
  return { sdl, fields: [upc, weight, estimate, reviews].map((name) => name.replace(tag, fresh)) };
}

describe('the supergraph model holds its names one-byte', () => {
  for (const [what, description] of [
    ['an ASCII supergraph', 'A product.'],
    ['a supergraph with a non-Latin-1 description', 'A product — sold by the unit.'],
  ] as const) {
    it(`so that an answer keyed by Apollo's schema names serializes one-byte (${what})`, () => {
      const { sdl, fields } = freshSupergraph(description);
      const model = readSupergraphModel(sdl);
      for (const field of fields) expect(model.names[field]).toBe(true);
      // What Apollo Gateway does with the same SDL after the model is read: its API schema, keyed by these names.
      const api = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
      const product = api.getType('Product') as { getFields(): Record<string, unknown> };
      const answer: Record<string, string> = {};
      for (const name of Object.keys(product.getFields())) {
        expect(oneByte(name)).toBe(true);
        answer[name] = 'x';
      }
      expect(Object.keys(answer).sort()).toEqual([...fields].sort());
      expect(oneByte(JSON.stringify({ data: { top: [answer] } }))).toBe(true);
    });
  }
});
