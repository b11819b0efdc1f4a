import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../schema/check.ts';
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

  it('treats a classification change as breaking', () => {
    expect(findingsOf(report, 'classification-changed')).toEqual([
      {
        element: 'Patient.diagnosis',
        rule: 'compat/classification-changed',
        code: MeshErrorCode.INCOMPATIBLE_CHANGE,
        message: 'Classification of Patient.diagnosis changed from restricted to internal without a major version bump',
      },
    ]);
    expect(findingsOf(report, 'classification-major')).toEqual([]);
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
