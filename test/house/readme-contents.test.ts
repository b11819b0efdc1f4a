import { describe, expect, it } from 'vitest';
import { README } from '../support/readme-shell.ts';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replaceAll(' ', '-');

describe('README contents', () => {
  it('lists every section, in the order the README has them, with anchors that resolve', () => {
    const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]!).filter((h) => h !== 'Contents');
    const contents = /^## Contents\n([\s\S]*?)(?=^## )/m.exec(README)?.[1] ?? '';
    const entries = [...contents.matchAll(/^- \[(.+)\]\(#(.+)\)$/gm)].map((m) => ({ title: m[1]!, anchor: m[2]! }));
    expect(entries.map((e) => e.title)).toEqual(headings);
    for (const entry of entries) expect(entry.anchor).toBe(anchorOf(entry.title));
  });
});
