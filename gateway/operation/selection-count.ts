import { Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import { memoizeByDocument, memoizeByFragment } from './document-memo.ts';

/**
 * How many fields the document selects once every fragment spread is replaced by the
 * fragment it names (all operations together), counted up to `cap`: past it the count
 * stops and `cap + 1` is returned.
 *
 * This is the size everything after the HTTP guard pays for: validation (whose
 * overlapping-fields rule compares expanded selections), access pruning (which inlines
 * fragments), query planning. A 1.5 KB document of n fragments, each spreading the next
 * twice, expands to 2^n copies of one selection; counting it must not expand it. So each
 * fragment's count is computed once and multiplied at its spreads, the sums saturate at
 * `cap + 1` (no number grows past it), and a running total past the cap ends the count:
 * linear in the document's text whatever it expands to. A cycle of fragments counts
 * nothing on the way back (see {@link memoizeByFragment}).
 */
export function countExpandedSelections(document: DocumentNode, cap: number): number {
  const byCap = countsByDocument(document);
  let count = byCap.get(cap);
  if (count === undefined) {
    count = countWithin(document, cap);
    byCap.set(cap, count);
  }
  return count;
}

/** Counts already made for a document, by cap (one limit per gateway: one entry). */
const countsByDocument = memoizeByDocument(() => new Map<number, number>());

function countWithin(document: DocumentNode, cap: number): number {
  const over = cap + 1;
  const countOf = (selectionSet: SelectionSetNode): number => {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) count += 1 + (selection.selectionSet ? countOf(selection.selectionSet) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += countOf(selection.selectionSet);
      else count += fragmentCount(selection.name.value);
      if (count >= over) return over;
    }
    return count;
  };

  const fragmentCount = memoizeByFragment(document, (fragment) => countOf(fragment.selectionSet), 0);

  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    total += countOf(definition.selectionSet);
    if (total >= over) return over;
  }
  return total;
}
