import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { trackProcess, type CliProcess } from './cli-process.ts';

/** The repository's README.md, as tests that run its commands read it. */
export const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/**
 * The commands of each `sh` block in the README section under `## heading`, as a shell reads
 * them: a line ending in `\` joined with the next, comments dropped.
 */
export function readmeShellBlocks(heading: string): string[][] {
  const section = new RegExp(`^## ${heading}\n([\\s\\S]*?)(?=^## )`, 'm').exec(README)?.[1] ?? '';
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((block) =>
    block[1]!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

/** The commands of the first `sh` block in the README section under `## heading`. */
export function readmeShellBlock(heading: string): string[] {
  return readmeShellBlocks(heading)[0] ?? [];
}

/**
 * `command` with each README literal replaced (a port in use elsewhere, a name of this run),
 * failing when the README no longer says it: what runs is what the README shows.
 */
export function substituted(command: string, replacements: [readme: string, here: string][]): string {
  return replacements.reduce((text, [readme, here]) => {
    expect(text, `README command should contain ${readme}`).toContain(readme);
    return text.split(readme).join(here);
  }, command);
}

/**
 * Runs a command line through `sh -c`, as a reader pastes it, in a process group of its own:
 * `stop` signals the whole group, so `npx`/`npm` and the meshgate process under them go together.
 */
export function runShellLine(line: string, options: { cwd: string; env?: Record<string, string> }): CliProcess {
  const child = spawn('sh', ['-c', line], { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: 'pipe' });
  return trackProcess(child, (signal) => process.kill(-child.pid!, signal));
}
