import { isScalar, LineCounter, parseDocument, visit } from 'yaml';

/**
 * `yaml`'s `parse`, with the same refusal of a map key given twice, in time linear in the
 * text. The library finds a duplicate key by comparing each key with every key before it
 * in its map: a descriptor classifying 15,000 fields of one type spent seconds there, on
 * the registry's event loop. Here the library's own check is off and one pass over the
 * parsed document finds duplicates with a set per map.
 *
 * Throws as `parse` does: the first error of the text, with its line and column.
 */
export function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: false, lineCounter });
  if (document.errors.length > 0) throw document.errors[0];
  let duplicate: { key: string; offset: number } | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // The library compares scalar keys by value and any other key by identity: so does this.
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          duplicate = { key: String(key).slice(0, 64), offset: isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0 };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  if (duplicate) {
    const { line, col } = lineCounter.linePos(duplicate.offset);
    throw new SyntaxError(`Map keys must be unique ("${duplicate.key}" is given twice) at line ${line}, column ${col}`);
  }
  return document.toJS();
}
