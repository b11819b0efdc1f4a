import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { REPO_ROOT } from '../../schema/contracts/mesh.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { fixtureRoot, TODAY } from './fixture-mesh.ts';

function meshgate(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin/meshgate.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('meshgate check (process)', () => {
  it('exits 1 and names product, element, rule and fix in its JSON report', () => {
    const run = meshgate('check', '--root', fixtureRoot('boundary'), '--json', '--today', TODAY);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; findings: { product: string; element: string; rule: string; fix: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual({
      product: 'balance-undeclared',
      element: 'Account.balance',
      rule: 'boundary/undeclared-input',
      code: 'BOUNDARY_VIOLATION',
      message: 'balance-undeclared reads Account.balance through @external from ledger, which is not among its inputPorts',
      fix: 'Declare an input port for ledger listing Account.balance in product.yaml.',
    });
  });

  it('exits 0 on a mesh that passes', () => {
    const run = meshgate('check', '--root', fixtureRoot('lifecycle'), '--today', TODAY);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^meshgate check: 2 products pass every rule \(\d+ ms\)\n$/);
  });
});

describe("the repository's own products", () => {
  it('pass every rule', async () => {
    const report = await runCheck();
    expect(report.findings).toEqual([]);
    // Every product the mesh serves is checked, whichever products a team has added.
    expect(report.products.map((p) => p.name)).toEqual(DEMO_MESH.map((m) => m.name).sort());
  });
});
