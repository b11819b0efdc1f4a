import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { copyFixture, TODAY } from './fixture-mesh.ts';

describe('central lint rules and the deprecation window', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  function editedStock(edits: [file: string, from: string, to: string][]): string {
    const copy = copyFixture('lifecycle');
    remove = copy.remove;
    for (const [file, from, to] of edits) {
      const path = join(copy.root, 'subgraphs/stock', file);
      const text = readFileSync(path, 'utf8');
      if (!text.includes(from)) throw new Error(`fixture text not found: ${from}`);
      writeFileSync(path, text.replace(from, to));
    }
    return copy.root;
  }

  it('reports names, missing descriptions, classifications, owner contact and sunsets by rule', async () => {
    const root = editedStock([
      ['schema.graphql', '  "Units on hand."\n  units: Int!\n', '  units: Int!\n  "Bin label."\n  Bin_Label: String @deprecated(reason: "Going away")\n'],
      ['product.yaml', 'contact: fixture-team@example.com', 'contact: ask around'],
      ['product.yaml', 'version: 1.0.0', 'version: 1.1.0'],
    ]);
    const report = await runCheck({ root, today: TODAY });
    expect(report.findings.filter((f) => f.product === 'stock').map((f) => [f.element, f.rule])).toEqual([
      ['StockLevel.units', 'lint/field-description'],
      ['StockLevel.Bin_Label', 'lint/field-name'],
      ['StockLevel.Bin_Label', 'lint/deprecation-sunset'],
      ['StockLevel.Bin_Label', 'lint/field-classification'],
      ['owner.contact', 'lint/owner-contact'],
    ]);
    expect(report.findings.find((f) => f.rule === 'lint/field-name')?.message).toBe('Field name "Bin_Label" does not match ^[a-z][A-Za-z0-9]*$');
  });

  it('requires a new deprecation to give consumers the governance window', async () => {
    const root = editedStock([
      ['schema.graphql', '  units: Int!\n', '  units: Int! @deprecated(reason: "Use onHand. Sunset 2025-07-01")\n'],
      ['product.yaml', 'version: 1.0.0', 'version: 1.0.1'],
    ]);
    const report = await runCheck({ root, today: TODAY });
    expect(report.findings.map((f) => [f.product, f.element, f.rule, f.message, f.fix])).toEqual([
      ['stock', 'StockLevel.units', 'compat/sunset-too-soon', 'StockLevel.units is newly deprecated with sunset 2025-07-01, less than 90 days ahead', 'Set the sunset to 2025-08-30 or later.'],
    ]);
  });

  it('refuses a new non-null field an access rule restricts, by classification or directive, and leaves published ones alone', async () => {
    const root = editedStock([
      ['schema.graphql', '"@requires"]', '"@requires", "@requiresScopes"]'],
      [
        'schema.graphql',
        '  units: Int!\n',
        '  units: Int!\n  "Cost to reorder."\n  reorderCostUsd: Float!\n  "Bin in the warehouse."\n  bin: String! @requiresScopes(scopes: [["stock:read"]])\n  "Supplier name."\n  supplier: String @requiresScopes(scopes: [["stock:read"]])\n',
      ],
      // units was published non-null: restricting it now is the classification rule's business (a major), not this one's.
      [
        'product.yaml',
        'StockLevel.units: { classification: internal }',
        'StockLevel.units: { classification: restricted }\n  StockLevel.reorderCostUsd: { classification: confidential }\n  StockLevel.bin: { classification: internal }\n  StockLevel.supplier: { classification: internal }',
      ],
      ['product.yaml', 'version: 1.0.0', 'version: 2.0.0'],
    ]);
    const report = await runCheck({ root, today: TODAY });
    expect(report.findings.map((f) => [f.element, f.rule, f.message])).toEqual([
      [
        'StockLevel.reorderCostUsd',
        'lint/restricted-field-nullable',
        'StockLevel.reorderCostUsd is restricted (classification confidential) but declared non-null (Float!): a caller refused it gets null, which empties its nearest nullable parent',
      ],
      [
        'StockLevel.bin',
        'lint/restricted-field-nullable',
        'StockLevel.bin is restricted (@requiresScopes) but declared non-null (String!): a caller refused it gets null, which empties its nearest nullable parent',
      ],
    ]);
    expect(report.findings[0]!.fix).toBe('Declare StockLevel.reorderCostUsd as Float, so a refusal nulls only this field.');
  });

  it('asks for a patch bump when only descriptions change', async () => {
    const root = editedStock([['schema.graphql', '"Units on hand."', '"Units on hand, all warehouses."']]);
    const report = await runCheck({ root, today: TODAY });
    expect(report.findings.map((f) => [f.element, f.rule, f.fix])).toEqual([['StockLevel.units', 'compat/change-without-bump', 'Bump version to 1.0.1.']]);
  });
});
