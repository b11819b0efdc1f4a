import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { meshReaders } from '../../schema/contracts/field-readers.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { isValidProduct, loadMesh } from '../../schema/contracts/mesh.ts';
import { checkFixture, copyFixture, findingsOf, TODAY } from './fixture-mesh.ts';

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
        message: 'Order.gapDays is restricted (classification restricted) but an anonymous caller may read every field it is computed from and re-derive it: Order.orderDate (anyone)',
      },
    ]);
  });

  it('passes on the repository, whose products declare derivations and exposures', async () => {
    const products = loadMesh().products.filter(isValidProduct);
    // Not vacuous: the demo declares both, so the rules have something to check.
    expect(products.some((p) => Object.values(p.descriptor.fields).some((f) => (f.derivedFrom ?? []).length > 0))).toBe(true);
    expect(products.some((p) => [...p.model.types.values()].some((t) => [...t.fields.values()].some((f) => f.exposes.length > 0)))).toBe(true);
    // And a field restricted by a policy that is computed from other fields: the rule compares more than levels there.
    const readers = meshReaders(products, loadMesh().governance);
    const derivedUnderPolicy = products.flatMap((p) =>
      Object.entries(p.descriptor.fields).filter(([coordinate, f]) => (f.derivedFrom ?? []).length > 0 && readers(coordinate).because.some((b) => b.startsWith('@policy'))),
    );
    expect(derivedUnderPolicy.length).toBeGreaterThan(0);
    const report = await runCheck();
    expect(report.findings.filter((f) => f.rule.startsWith('lint/')).map((f) => `${f.product} ${f.element} ${f.rule}`)).toEqual([]);
  });
});

/**
 * The rule compares who may read, whichever access element says it: a field computed from
 * an input anyone with fewer rights reads is an ineffective restriction, and one whose
 * every input asks as much is not. Each case writes the output (`Order.gapDays`, derived
 * from `Order.orderDate`) and the input with one kind of access element, on a copy of the
 * derivation fixture, and runs the real check.
 */
describe('ineffective restrictions, for every kind of access element', () => {
  let mesh: ReturnType<typeof copyFixture>;
  let sdl: string;
  let descriptor: string;
  beforeAll(() => {
    mesh = copyFixture('derivation');
    sdl = readFileSync(join(mesh.root, 'subgraphs', 'orders', 'schema.graphql'), 'utf8').replace('import: ["@key"]', 'import: ["@key", "@authenticated", "@requiresScopes", "@policy"]');
    descriptor = readFileSync(join(mesh.root, 'subgraphs', 'orders', 'product.yaml'), 'utf8');
  });
  afterAll(() => mesh?.remove());

  /** What one field carries: its classification and the directives written after its type. */
  interface Access {
    classification: string;
    directives?: string;
  }

  async function ineffective(output: Access, input: Access): Promise<string[]> {
    const dir = join(mesh.root, 'subgraphs', 'orders');
    writeFileSync(join(dir, 'schema.graphql'), sdl.replace('orderDate: String!', `orderDate: String! ${input.directives ?? ''}`).replace('gapDays: Int', `gapDays: Int ${output.directives ?? ''}`));
    writeFileSync(
      join(dir, 'product.yaml'),
      descriptor
        .replace('Order.orderDate: { classification: internal }', `Order.orderDate: { classification: ${input.classification} }`)
        .replace('Order.gapDays: { classification: restricted,', `Order.gapDays: { classification: ${output.classification},`),
    );
    const report = await runCheck({ root: mesh.root, today: TODAY });
    // The case's SDL must be read at all: a parse or descriptor failure would leave nothing to find.
    expect(report.findings.filter((f) => f.rule.startsWith('descriptor/') || f.rule === 'compose/failed')).toEqual([]);
    return report.findings.filter((f) => f.rule === 'lint/ineffective-restriction').map((f) => f.message);
  }

  const cases: { kind: string; output: Access; looser: Access; asStrict: Access; witness: string }[] = [
    {
      kind: 'classification',
      output: { classification: 'restricted' },
      looser: { classification: 'confidential' },
      asStrict: { classification: 'restricted' },
      witness: 'a caller with finance:read only',
    },
    {
      kind: '@authenticated',
      output: { classification: 'internal', directives: '@authenticated' },
      looser: { classification: 'internal' },
      asStrict: { classification: 'internal', directives: '@authenticated' },
      witness: 'an anonymous caller',
    },
    {
      kind: '@requiresScopes',
      output: { classification: 'internal', directives: '@requiresScopes(scopes: [["pii:read"], ["audit:read"]])' },
      looser: { classification: 'internal', directives: '@requiresScopes(scopes: [["pii:read"], ["finance:read"]])' },
      asStrict: { classification: 'internal', directives: '@requiresScopes(scopes: [["audit:read"]])' },
      witness: 'a caller with finance:read only',
    },
    {
      kind: '@policy',
      output: { classification: 'internal', directives: '@policy(policies: [["customer-data-steward"]])' },
      looser: { classification: 'internal', directives: '@policy(policies: [["finance-analyst"]])' },
      asStrict: { classification: 'internal', directives: '@policy(policies: [["customer-data-steward"]])' },
      witness: 'a caller with finance:read only',
    },
    {
      kind: '@policy, against the same scope written as a classification',
      output: { classification: 'internal', directives: '@policy(policies: [["customer-data-steward"]])' },
      looser: { classification: 'internal', directives: '@authenticated' },
      asStrict: { classification: 'restricted' },
      witness: 'a signed-in caller with no scope',
    },
  ];

  for (const { kind, output, looser, asStrict, witness } of cases) {
    it(`fires for ${kind} when the input is looser, naming a caller it lets through`, async () => {
      const messages = await ineffective(output, looser);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(new RegExp(`^Order\\.gapDays is restricted \\(.+\\) but ${witness} may read every field it is computed from and re-derive it: Order\\.orderDate \\(`));
    });

    it(`does not fire for ${kind} when the input is as strict`, async () => {
      expect(await ineffective(output, asStrict)).toEqual([]);
    });
  }

  it('does not fire for an input nobody may read (a policy governance does not define admits nobody)', async () => {
    expect(await ineffective({ classification: 'restricted' }, { classification: 'internal', directives: '@policy(policies: [["no-such-policy"]])' })).toEqual([]);
  });

  it('does not fire for an unrestricted output, however open its inputs', async () => {
    expect(await ineffective({ classification: 'internal' }, { classification: 'public' })).toEqual([]);
  });
});
