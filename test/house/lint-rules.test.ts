import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');
/** The configuration Biome reads at the root, in Biome's own order of preference. */
const CONFIG = ['biome.json', 'biome.jsonc'].find((name) => existsSync(join(ROOT, name)));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Lints `files` (path -> source) in a folder of their own under the repository's configuration,
 * copied as it is, and returns which files the cycle rule flagged. The folder is outside the
 * repository so that the sample loops never sit in the tree the real lint reads.
 */
function lint(files: Record<string, string>): { status: number | null; output: string; cycles: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-lint-'));
  dirs.push(dir);
  copyFileSync(join(ROOT, CONFIG!), join(dir, CONFIG!));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  // The folder is no git checkout, so the configuration's VCS part (read .gitignore) is switched off; the rules stay as configured.
  const run = spawnSync(BIOME, ['lint', '--vcs-enabled=false', '--colors=off', '--max-diagnostics=none', '.'], { cwd: dir, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  const cycles = [...new Set([...output.matchAll(/^(\S+):\d+:\d+ lint\/suspicious\/noImportCycles/gm)].map((m) => m[1]!))].sort();
  return { status: run.status, output, cycles };
}

describe('the house: the linter refuses import cycles', () => {
  it('has a configuration at the root', () => {
    expect(CONFIG).toBeDefined();
  });

  // The house's import test counts type-only imports too: a loop of types still ties two stages together.
  const loops: { loop: string; files: Record<string, string> }[] = [
    {
      loop: 'between two folders, the way back a type-only import',
      files: {
        'lower/record.ts': "import { upper } from '../upper/stage.ts';\nexport const record = () => upper;\n",
        'upper/stage.ts': "import type { record } from '../lower/record.ts';\nexport const upper = 1;\nexport type Record = ReturnType<typeof record>;\n",
      },
    },
    {
      loop: 'of value imports through three files',
      files: {
        'a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
        'b.ts': "import { c } from './nested/c.ts';\nexport const b = () => c();\n",
        'nested/c.ts': "import { a } from '../a.ts';\nexport const c = () => a;\n",
      },
    },
  ];

  it.each(loops)('refuses a loop $loop, in every file on it', ({ files }) => {
    const { status, cycles, output } = lint(files);
    expect(cycles, output).toEqual(Object.keys(files).sort());
    expect(status).not.toBe(0);
  });

  it('passes imports that run one way', () => {
    // The same runner over clean code, so the cases above fail on the rule and not on the set-up.
    const { status, cycles, output } = lint({
      'a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
      'b.ts': "import type { C } from './nested/c.ts';\nexport const b = (): C => 1;\n",
      'nested/c.ts': 'export type C = number;\n',
    });
    expect(cycles, output).toEqual([]);
    expect(status, output).toBe(0);
  });
});
