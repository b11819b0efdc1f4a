import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's own order runs the longest files first, but only from durations it cached on an
 * earlier run; a fresh clone (CI) has none, and it falls back to the largest files first.
 * A file of a few hundred lines that packs and installs the package then starts last and
 * runs alone on one core after the other worker is done. The files named here start first,
 * in the order given, whatever the cache says; the rest keep vitest's order after them.
 */
export function slowFirstSequencer(slowest: readonly string[]): typeof BaseSequencer {
  const rank = (spec: TestSpecification): number => {
    const index = slowest.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
    return index === -1 ? slowest.length : index;
  };
  return class SlowFirstSequencer extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      // Array.prototype.sort is stable: vitest's order holds among files of equal rank.
      return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
    }
  };
}
