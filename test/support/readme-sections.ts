import { readFileSync } from 'node:fs';

/**
 * The README as tests read it: commands are taken from the README itself and run as written,
 * so a README edit that breaks one fails a test.
 */
export const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The text of the README section under `## heading`, up to the next `## `. */
export function readmeSection(heading: string): string {
  return new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(README)?.[1] ?? '';
}

/** The command lines of each `sh` block in the README section under `heading`, comments dropped. */
export function readmeShellBlocks(heading: string): string[][] {
  return [...readmeSection(heading).matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((block) =>
    block[1]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}
