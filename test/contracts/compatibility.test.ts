import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../schema/contracts/check.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { checkFixture, findingsOf } from './fixture-mesh.ts';

describe('compatibility against the published baseline', () => {
  let report: CheckReport;
  beforeAll(async () => {
    report = await checkFixture('compat');
  });

  it('refuses removing a field that was never deprecated, even with a major bump', () => {
    expect(findingsOf(report, 'removal-undeprecated')).toEqual([
      {
        element: 'Gadget.code',
        rule: 'compat/breaking-without-deprecation',
        code: MeshErrorCode.INCOMPATIBLE_CHANGE,
        message: "Breaking change: Field 'code' was removed from object type 'Gadget', but Gadget.code was not @deprecated in the published 1.2.0",
      },
    ]);
  });

  it('refuses removing a deprecated field before its sunset', () => {
    expect(findingsOf(report, 'removal-before-sunset')).toEqual([
      {
        element: 'Gizmo.code',
        rule: 'compat/breaking-before-sunset',
        code: MeshErrorCode.INCOMPATIBLE_CHANGE,
        message: "Breaking change: Field 'code' (deprecated) was removed from object type 'Gizmo' before its sunset 2099-12-31",
      },
    ]);
  });

  it('accepts removing a deprecated field after its sunset in a major release', () => {
    expect(findingsOf(report, 'removal-good')).toEqual([]);
  });

  it('refuses an addition without a minor bump, and accepts it with one', () => {
    expect(findingsOf(report, 'addition-patch')).toEqual([
      {
        element: 'Cog.size',
        rule: 'compat/addition-without-minor',
        code: MeshErrorCode.INCOMPATIBLE_CHANGE,
        message: "Addition: Field 'size' was added to object type 'Cog'; version goes 1.0.0 → 1.0.1 without a minor bump",
      },
    ]);
    expect(findingsOf(report, 'addition-good')).toEqual([]);
  });

  it('treats lowering a classification as a governed change, whatever the version bump', () => {
    const governed = findingsOf(report, 'classification-changed');
    expect(governed).toEqual([
      {
        element: 'Patient.diagnosis',
        rule: 'access/weakened',
        code: MeshErrorCode.GOVERNED_CHANGE_UNAPPROVED,
        message: expect.stringMatching(/^Access to Patient\.diagnosis is weakened in 1\.0\.1: classification restricted → internal \(governed change [0-9a-f]{16}\)$/),
      },
    ]);
    // A major bump answers consumers, not governance: the declassification still needs an approval.
    expect(findingsOf(report, 'classification-major').map((f) => [f.rule, f.element])).toEqual([['access/weakened', 'Doctor.notes']]);
  });

  it('lets preview fields change type, disappear and appear without a version bump', () => {
    expect(findingsOf(report, 'preview-free')).toEqual([]);
  });

  it('gives a product for internal consumers no exemption', () => {
    const internal = findingsOf(report, 'internal-audience');
    const external = findingsOf(report, 'removal-undeprecated');
    expect(internal.map((f) => f.rule)).toEqual(external.map((f) => f.rule));
    expect(internal).toEqual([
      {
        element: 'Ticket.code',
        rule: 'compat/breaking-without-deprecation',
        code: MeshErrorCode.INCOMPATIBLE_CHANGE,
        message: "Breaking change: Field 'code' was removed from object type 'Ticket', but Ticket.code was not @deprecated in the published 1.2.0",
      },
    ]);
  });

  it('names a fix for every finding', () => {
    expect(report.ok).toBe(false);
    for (const f of report.findings) expect(f.fix).toMatch(/\S/);
    expect(report.findings.find((f) => f.rule === 'compat/addition-without-minor')?.fix).toBe('Bump version to 1.1.0.');
  });
});
