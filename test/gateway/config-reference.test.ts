import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../gateway/config-loader.ts';
import { REMOVED_CONFIG_KEYS } from '../../gateway/config.ts';
import { BEGIN_MARKER, configReference, END_MARKER, keyDocs, README_PATH, referenceRows, withReference, type KeyDoc, type ReferenceRow } from './config-reference.ts';

/** Keys whose doc comment states a default beside zod's: the one place a default could drift. */
function defaultsWrittenTwice(rows: readonly ReferenceRow[], docs: ReadonlyMap<string, KeyDoc>): string[] {
  return rows.filter((row) => row.hasDefault && docs.get(row.path)?.tags.has('default')).map((row) => `${row.path}: @default ${docs.get(row.path)!.tags.get('default')}`);
}

describe('the configuration reference: defaults written once, in the config schema', () => {
  const rows = referenceRows();
  const docs = keyDocs();

  it('README holds what `npm run docs:config` writes', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    const block = configReference();
    expect(readme).toContain(BEGIN_MARKER);
    // Compared as the generator would leave it, so a stale row shows as one line of diff.
    expect(readme.slice(readme.indexOf(BEGIN_MARKER), readme.indexOf(END_MARKER) + END_MARKER.length), 'README.md is stale: run npm run docs:config').toBe(block);
    expect(withReference(readme, block)).toBe(readme);
  });

  it('no doc comment restates a default zod holds', () => {
    expect(defaultsWrittenTwice(rows, docs)).toEqual([]);
    // The check sees one: a planted `@default` on a key with a zod default.
    const planted = keyDocs(`const gatewayConfigSchema = z.strictObject({\n  /** Port. @default 4000 */\n  port: z.number().default(4000),\n});\n`);
    expect(defaultsWrittenTwice(rows, planted)).toEqual(['port: @default 4000']);
  });

  it('every key says what it does (public options get a doc comment)', () => {
    expect(rows.filter((row) => !row.section && !docs.get(row.path)?.text).map((row) => row.path)).toEqual([]);
  });

  it('every environment variable sets a key the schema has, and no removed key is one', () => {
    const keys = new Set(rows.map((row) => row.path));
    expect(ENVIRONMENT.map(({ env, path }) => `${env} -> ${path.join('.')}`).filter((line) => !keys.has(line.split(' -> ')[1]!))).toEqual([]);
    expect(REMOVED_CONFIG_KEYS.map(({ path }) => path.join('.')).filter((path) => keys.has(path))).toEqual([]);
  });

  it('shows zod\'s default for a key that has one, and "required" for a key that must be set', () => {
    const block = configReference();
    // Read from the schema, not from this test: every defaulted key's row carries its value as JSON.
    for (const row of rows.filter((r) => r.hasDefault)) {
      const line = block.split('\n').find((l) => l.startsWith(`| \`${row.path}\` |`))!;
      expect(line.split(' | ')[2]).toBe(`\`${JSON.stringify(row.defaultValue).replaceAll('|', '\\|')}\``);
    }
    const required = rows.filter((r) => r.required);
    expect(required.length).toBeGreaterThan(0);
    for (const row of required)
      expect(
        block
          .split('\n')
          .find((l) => l.startsWith(`| \`${row.path}\` |`))!
          .split(' | ')[2],
      ).toBe('required');
  });
});
