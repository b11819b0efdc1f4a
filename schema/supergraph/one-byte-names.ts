import type { DefinitionNode } from 'graphql';
import type { DefinitionReader } from './definition-reader.ts';

/**
 * Every name the supergraph declares (types, fields, arguments, enum values, directives), held
 * as one-byte strings for as long as the model serves.
 *
 * Why: V8 keeps one copy of each property name, in the encoding of the first copy it met.
 * Apollo's federation-internals builds the API schema from printed SDL whose pieces are
 * two-byte strings even when every character is ASCII, so without this the first copy of
 * names such as `reviews` or `shippingEstimate` was two-byte. Every answer object keyed by
 * them then made JSON.stringify write the whole answer two-byte: twice the memory, and an
 * encoding to UTF-8 several times slower. Read before Apollo builds its schema (the model is
 * read first in every load), these copies are the ones every later copy resolves to.
 */
export function oneByteNamesReader(sdl: string): DefinitionReader<Readonly<Record<string, true>>> {
  const names: Record<string, true> = Object.create(null);
  // GraphQL names are ASCII. An SDL of ASCII text decodes to one-byte strings, and so do the
  // names sliced from it; an SDL with any other character (a description's dash) is two-byte
  // throughout, and its names are copied through Latin-1, which yields one-byte strings.
  const copy = Buffer.byteLength(sdl, 'utf8') !== sdl.length;
  const hold = (name: string) => {
    names[copy ? Buffer.from(name, 'latin1').toString('latin1') : name] = true;
  };
  return {
    read(definition: DefinitionNode) {
      if ('name' in definition && definition.name) hold(definition.name.value);
      if ('arguments' in definition) for (const argument of definition.arguments ?? []) hold(argument.name.value);
      if ('values' in definition) for (const value of definition.values ?? []) hold(value.name.value);
      if ('fields' in definition) {
        for (const field of definition.fields ?? []) {
          hold(field.name.value);
          if ('arguments' in field) for (const argument of field.arguments ?? []) hold(argument.name.value);
        }
      }
    },
    done: () => names,
  };
}
