import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { findRequiresArgumentClashes } from '../../schema/supergraph/requires-argument-clash.ts';
import { copyFixture, TODAY } from './fixture-mesh.ts';

/**
 * Two @requires of one entity type selecting one field with different arguments: Apollo's
 * planner fetches the field once, so `meshgate check` (and so publish and the registry) refuses it.
 */
describe('compose/requires-argument-clash', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  /** The lifecycle fixture with StockLevel an entity whose weight takes a unit, and pricing requiring it twice. */
  function meshRequiring(first: string, second: string): string {
    const copy = copyFixture('lifecycle');
    remove = copy.remove;
    const edit = (product: string, from: string, to: string) => {
      const path = join(copy.root, 'subgraphs', product, 'schema.graphql');
      const text = readFileSync(path, 'utf8');
      if (!text.includes(from)) throw new Error(`fixture text not found: ${from}`);
      writeFileSync(path, text.replace(from, to));
    };
    edit('stock', 'type StockLevel {', 'type StockLevel @key(fields: "sku") {\n  "Weight in the unit asked."\n  weight(unit: String = "g"): Int');
    edit(
      'pricing',
      'type Query {',
      `"Stock of one item, as pricing sees it."\ntype StockLevel @key(fields: "sku") {\n  sku: ID!\n  weight(unit: String = "g"): Int @external\n` +
        `  "Shipping class."\n  shippingClass: String @requires(fields: ${JSON.stringify(first)})\n  "Postage in cents."\n  postage: Int @requires(fields: ${JSON.stringify(second)})\n}\n\ntype Query {`,
    );
    return copy.root;
  }

  it('names the type, both fields and both argument sets, with a fix and the composition code', async () => {
    const report = await runCheck({ root: meshRequiring('weight(unit: "kg")', 'weight(unit: "g")'), today: TODAY });
    const clashes = report.findings.filter((f) => f.rule === 'compose/requires-argument-clash');
    expect(clashes).toEqual([
      {
        product: 'pricing',
        element: 'StockLevel.shippingClass',
        rule: 'compose/requires-argument-clash',
        code: MeshErrorCode.COMPOSITION_FAILED,
        message:
          'StockLevel.shippingClass (pricing) requires StockLevel.weight(unit: "kg") but StockLevel.postage (pricing) requires StockLevel.weight(unit: "g"): ' +
          'the query planner fetches StockLevel.weight once for StockLevel, so one of them would be computed from the wrong value',
        fix: expect.stringMatching(/^Select StockLevel\.weight once with one set of arguments in every @requires of StockLevel, or alias the other argument set as a separate product field/),
      },
    ]);
    expect(report.ok).toBe(false);
  });

  it('stops the product that declares them from being published', async () => {
    const outcome = await publishProduct('pricing', { root: meshRequiring('weight(unit: "kg")', 'weight'), today: TODAY });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.findings.filter((f) => f.rule === 'compose/requires-argument-clash').map((f) => f.message)).toEqual([
      expect.stringContaining('StockLevel.shippingClass (pricing) requires StockLevel.weight(unit: "kg") but StockLevel.postage (pricing) requires StockLevel.weight with no arguments'),
    ]);
  });

  it('does not report the same field required with the same arguments twice', async () => {
    const report = await runCheck({ root: meshRequiring('weight(unit: "kg")', 'weight(unit: "kg")'), today: TODAY });
    expect(report.findings.filter((f) => f.rule === 'compose/requires-argument-clash')).toEqual([]);
  });

  it('compares arguments canonically, at any depth, across products, and counts no arguments as a set', () => {
    const clashes = findRequiresArgumentClashes([
      { product: 'a', typeName: 'Box', field: 'Box.x', fieldSet: 'dims { weight(unit: "kg", round: true) } size' },
      { product: 'b', typeName: 'Box', field: 'Box.y', fieldSet: 'dims { weight(round: true, unit: "kg") } size' },
      { product: 'c', typeName: 'Box', field: 'Box.z', fieldSet: 'size(unit: CM)' },
      { product: 'c', typeName: 'Crate', field: 'Crate.z', fieldSet: 'size(unit: IN)' },
    ]);
    expect(clashes.map((c) => [c.path, c.first.field, c.first.arguments, c.second.field, c.second.arguments])).toEqual([
      ['Box.size', 'Box.x', '()', 'Box.z', '(unit: CM)'],
      ['Box.size', 'Box.y', '()', 'Box.z', '(unit: CM)'],
    ]);
  });
});
