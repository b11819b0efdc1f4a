import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { JsonLinesUsageStore } from '../../gateway/observability/field-usage-store.ts';
import { runCli } from '../support/cli-process.ts';
import { findingsOf, fixtureRoot, TODAY } from './fixture-mesh.ts';

/**
 * The `compat` fixture's `removal-good` removes `Widget.legacyCode`, deprecated with a
 * sunset long past: by dates alone that is allowed. Recorded usage can still stop it.
 */
const dir = mkdtempSync(join(tmpdir(), 'meshgate-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function usageFile(name: string, rows: [client: string, coordinate: string, day: string][]): Promise<string> {
  const file = join(dir, `${name}.jsonl`);
  const store = new JsonLinesUsageStore(file, 0);
  for (const [client, coordinate, day] of rows) store.record(client, [coordinate], day);
  await store.close();
  return file;
}

let usedFile: string;
let unusedFile: string;
beforeAll(async () => {
  // TODAY is 2025-06-01 and the fixture's deprecation window is 90 days.
  usedFile = await usageFile('used', [
    ['legacy-report', 'Widget.legacyCode', '2025-05-20'],
    ['legacy-report', 'Widget.legacyCode', '2025-05-21'],
    ['ops-dashboard', 'Widget.legacyCode', '2025-04-02'],
    ['ops-dashboard', 'Widget.name', '2025-05-30'],
  ]);
  unusedFile = await usageFile('unused', [
    // Used, but before the window opened; and other fields used recently.
    ['old-export', 'Widget.legacyCode', '2024-12-01'],
    ['ops-dashboard', 'Widget.name', '2025-05-30'],
    ['ops-dashboard', 'Gadget.legacyCode', '2025-05-30'],
  ]);
});

describe('meshgate check with recorded field usage', () => {
  it('fails removing a deprecated field a client used within the deprecation window, naming the clients', async () => {
    const usage = new JsonLinesUsageStore(usedFile, 0);
    const report = await runCheck({ root: fixtureRoot('compat'), today: TODAY, usage });
    await usage.close();
    const findings = findingsOf(report, 'removal-good');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ element: 'Widget.legacyCode', rule: 'compat/removed-field-in-use', code: 'INCOMPATIBLE_CHANGE' });
    expect(findings[0]!.message).toContain('2 clients used it in the last 90 days: legacy-report (2 operations, last 2025-05-21), ops-dashboard (1 operations, last 2025-04-02)');
  });

  it('passes when no client used the field within the window', async () => {
    const usage = new JsonLinesUsageStore(unusedFile, 0);
    const report = await runCheck({ root: fixtureRoot('compat'), today: TODAY, usage });
    await usage.close();
    expect(findingsOf(report, 'removal-good')).toEqual([]);
  });

  it('names a verified application apart from self-declared client names, summed over the names its callers sent', async () => {
    const file = join(dir, 'verified.jsonl');
    const store = new JsonLinesUsageStore(file, 0);
    store.record('board-pack', ['Widget.legacyCode'], '2025-05-20', 'finance-app');
    store.record('board-pack-v2', ['Widget.legacyCode'], '2025-05-25', 'finance-app');
    // A client name equal to an application's, under no verified application: still only a name.
    store.record('finance-app', ['Widget.legacyCode'], '2025-05-26');
    await store.close();
    const usage = new JsonLinesUsageStore(file, 0);
    const report = await runCheck({ root: fixtureRoot('compat'), today: TODAY, usage });
    await usage.close();
    const [finding] = findingsOf(report, 'removal-good');
    expect(finding).toMatchObject({ element: 'Widget.legacyCode', rule: 'compat/removed-field-in-use' });
    expect(finding!.message).toContain(
      'it was used in the last 90 days: used by finance-app (verified; 2 operations, last 2025-05-25); and a client under no verified application (self-declared names): finance-app (1 operations, last 2025-05-26)',
    );
    expect(finding!.message).not.toContain('board-pack');
  });

  it('reads the usage file given to the CLI with --usage', async () => {
    const cli = runCli(['check', '--root', fixtureRoot('compat'), '--today', TODAY, '--usage', usedFile, '--json']);
    await cli.exited;
    const report = JSON.parse(cli.output()) as { findings: { product: string; rule: string; message: string }[] };
    const finding = report.findings.find((f) => f.product === 'removal-good');
    expect(finding).toMatchObject({ rule: 'compat/removed-field-in-use' });
    expect(finding!.message).toContain('legacy-report');
  });
});

describe('meshgate check with consumers under access agreements', () => {
  it("names the product's agreed consumers and their purposes in each breaking finding, and no other product's", async () => {
    const consumers = {
      'removal-undeprecated': [
        { consumer: 'board-pack', purpose: 'quarterly figures' },
        { consumer: 'ops-app', purpose: 'daily ops' },
      ],
      'addition-good': [{ consumer: 'elsewhere', purpose: 'unrelated' }],
    };
    const report = await runCheck({ root: fixtureRoot('compat'), today: TODAY, consumers });
    const findings = findingsOf(report, 'removal-undeprecated');
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expect(finding.message).toContain('it would hit 2 consumers under an active access agreement: board-pack (quarterly figures), ops-app (daily ops)');
    expect(JSON.stringify(report.findings)).not.toContain('elsewhere');
    // Without agreements, the same findings name no consumer.
    const plain = findingsOf(await runCheck({ root: fixtureRoot('compat'), today: TODAY }), 'removal-undeprecated');
    expect(plain.map((f) => f.message).join('\n')).not.toContain('consumer');
  });
});
