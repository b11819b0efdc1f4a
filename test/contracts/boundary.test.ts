import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../schema/contracts/check.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { checkFixture, findingsOf } from './fixture-mesh.ts';

describe('boundary rules', () => {
  let report: CheckReport;
  beforeAll(async () => {
    report = await checkFixture('boundary');
  });

  it('refuses a derived product that @requires an @inaccessible field', () => {
    expect(findingsOf(report, 'risk-inaccessible')).toEqual([
      {
        element: 'Account.riskScore',
        rule: 'boundary/inaccessible-field',
        code: MeshErrorCode.BOUNDARY_VIOLATION,
        message: 'Input port lists Account.riskScore, but Account.riskScore is @inaccessible in accounts: it is internal to that product',
      },
    ]);
  });

  it('refuses a derived product that reads a product it did not declare', () => {
    expect(findingsOf(report, 'balance-undeclared')).toEqual([
      // The confidential balance compiles into @requiresScopes, and Apollo's composition refuses
      // a field that reads it through @requires without carrying that requirement too.
      {
        element: 'schema.graphql',
        rule: 'compose/failed',
        code: MeshErrorCode.COMPOSITION_FAILED,
        message:
          'Composition failed: [balance-undeclared] Field "Account.balanceBand" does not specify necessary @authenticated, @requiresScopes and/or @policy auth requirements to access the transitive field "Account.balance" data from @requires selection set.',
      },
      {
        element: 'Account.balance',
        rule: 'boundary/undeclared-input',
        code: MeshErrorCode.BOUNDARY_VIOLATION,
        message: 'balance-undeclared reads Account.balance through @external from ledger, which is not among its inputPorts',
      },
    ]);
  });

  it('refuses reading a preview field through a port without allowPreview', () => {
    expect(findingsOf(report, 'beta-preview').map((f) => [f.element, f.rule])).toEqual([['Account.beta', 'boundary/preview-field']]);
  });

  it('accepts a derived product that reads published fields of declared inputs', () => {
    expect(findingsOf(report, 'greeting-good')).toEqual([]);
    expect(findingsOf(report, 'ledger')).toEqual([]);
    expect(findingsOf(report, 'accounts')).toEqual([]);
  });
});
