import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';

/**
 * A config written for an older gateway, started through the real CLI: a removed key is
 * refused before anything listens, with CONFIG_INVALID naming the key and what replaced it,
 * rather than a gateway that starts on a setting it ignores.
 */
const dir = mkdtempSync(join(tmpdir(), 'meshgate-removed-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, `port: 0\nusage:\n  enabled: false\n${yaml}`);
  return file;
}

describe('meshgate serve with a removed config key', () => {
  // Each removed key's line is held in the config tests; here, that the CLI says it and stops.
  it('engine in --config: exit 1, CONFIG_INVALID naming the file and that one key, no stack', async () => {
    const file = configFile('engine.yaml', 'engine: apollo\n');
    const cli = runCli(['serve', '--config', file], { MESHGATE_ENGINE: '' });
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim().split('\n')).toEqual([`CONFIG_INVALID: ${file} is invalid:`, '  - engine: was removed: meshgate always executes query plans with its own executor (got "apollo")']);
  });

  it('MESHGATE_ENGINE in the environment: exit 1, CONFIG_INVALID naming the variable', async () => {
    const cli = runCli(['serve', '--config', configFile('fine.yaml', '')], { MESHGATE_ENGINE: 'meshgate' });
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim().split('\n')).toEqual([
      'CONFIG_INVALID: environment is invalid:',
      '  - MESHGATE_ENGINE: was removed: meshgate always executes query plans with its own executor (got "meshgate")',
    ]);
  });
});
