import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeMesh, SUPERGRAPH_FILE } from '../../gateway/cli/compose-command.ts';

describe('schema/supergraph.graphql', () => {
  it('is what `npm run compose` produces from the products today (run it and commit if this fails)', async () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(await composeMesh());
  });
});
