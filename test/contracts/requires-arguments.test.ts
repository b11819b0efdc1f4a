import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';
import { copyFixture, TODAY } from './fixture-mesh.ts';

/**
 * Two @requires of one entity type selecting one field with different arguments. They were
 * refused (`compose/requires-argument-clash`, retired) while Apollo's planner fetched the
 * field once for both; the gateway now keeps each argument set apart
 * (gateway/execution/requires-argument-aliases.ts), so `meshgate check` and publish take them.
 */
describe('@requires of one field with different arguments', () => {
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

  it('pass the check, with the same findings as one argument set for both', async () => {
    const apart = await runCheck({ root: meshRequiring('weight(unit: "kg")', 'weight(unit: "g")'), today: TODAY });
    const same = await runCheck({ root: meshRequiring('weight(unit: "kg")', 'weight(unit: "kg")'), today: TODAY });
    expect(apart.findings.filter((f) => f.rule.startsWith('compose/'))).toEqual([]);
    expect(apart.findings.map((f) => f.rule)).toEqual(same.findings.map((f) => f.rule));
  });

  it('do not stop the product that declares them from being published', async () => {
    const outcome = await publishProduct('pricing', { root: meshRequiring('weight(unit: "kg")', 'weight'), today: TODAY });
    expect(outcome.ok ? [] : outcome.findings.filter((f) => f.rule.startsWith('compose/'))).toEqual([]);
  });
});
