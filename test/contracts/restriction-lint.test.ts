import { describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/check.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { isValidProduct, loadMesh } from '../../schema/mesh.ts';
import { checkFixture, findingsOf } from './fixture-mesh.ts';

describe('restrictions that hold: exposures and derivations', () => {
  it('fails a field classified more strictly than what it is derived from, naming both fields and both classifications', async () => {
    const report = await checkFixture('derivation');
    expect(report.ok).toBe(false);
    expect(findingsOf(report, 'orders')).toEqual([
      {
        element: 'OrderFilter.orderDate',
        rule: 'lint/exposes-undeclared',
        code: MeshErrorCode.GOVERNANCE_LINT_FAILED,
        message: 'OrderFilter.orderDate filters by Order.orderDate (internal) but does not declare it',
      },
      {
        element: 'OrderFilter.gapDays',
        rule: 'lint/exposes-unknown-field',
        code: MeshErrorCode.GOVERNANCE_LINT_FAILED,
        message: 'OrderFilter.gapDays declares it exposes Order.gapInDays, which no product publishes',
      },
      {
        element: 'Order.gapDays',
        rule: 'lint/ineffective-restriction',
        code: MeshErrorCode.GOVERNANCE_LINT_FAILED,
        message: 'Order.gapDays is restricted but is computed from Order.orderDate (internal): anyone who may read Order.orderDate can re-derive it',
      },
    ]);
  });

  it('passes on the repository, whose products declare derivations and exposures', async () => {
    const products = loadMesh().products.filter(isValidProduct);
    // Not vacuous: the demo declares both, so the rules have something to check.
    expect(products.some((p) => Object.values(p.descriptor.fields).some((f) => (f.derivedFrom ?? []).length > 0))).toBe(true);
    expect(products.some((p) => [...p.model.types.values()].some((t) => [...t.fields.values()].some((f) => f.exposes.length > 0)))).toBe(true);
    const report = await runCheck();
    expect(report.findings.filter((f) => f.rule.startsWith('lint/')).map((f) => `${f.product} ${f.element} ${f.rule}`)).toEqual([]);
  });
});
