import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck, type CheckReport } from '../../schema/contracts/check.ts';
import type { Finding } from '../../schema/contracts/finding.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'contracts');

/** Sunsets in the fixtures are 2020-01-31 (passed) and 2099-12-31 (ahead) of this day. */
export const TODAY = '2025-06-01';

export function fixtureRoot(name: string): string {
  return join(FIXTURES, name);
}

export function checkFixture(name: string): Promise<CheckReport> {
  return runCheck({ root: fixtureRoot(name), today: TODAY });
}

/** The findings of one product, reduced to what a test asserts on. */
export function findingsOf(report: CheckReport, product: string): Pick<Finding, 'element' | 'rule' | 'message' | 'code'>[] {
  return report.findings.filter((f) => f.product === product).map(({ element, rule, message, code }) => ({ element, rule, message, code }));
}

/** A writable copy of a fixture mesh; call the returned `remove` when done. */
export function copyFixture(name: string): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), `meshgate-${name}-`));
  cpSync(fixtureRoot(name), root, { recursive: true });
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
