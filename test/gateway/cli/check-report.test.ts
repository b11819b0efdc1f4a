import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../schema/contracts/check.ts';
import { finding } from '../../../schema/contracts/finding.ts';
import { formatReport, inRepository } from '../../../gateway/cli/check-command.ts';
import { copyFixture, TODAY } from '../../contracts/fixture-mesh.ts';

const summary = (text: string) => text.split('\n').at(-1)!;

/** The summary line says what was checked: no product counted that no rule ran on, no "0 of 0". */
describe('the check report', () => {
  it('does not count a retired product (no rule runs on it) among those that pass', async () => {
    const mesh = copyFixture('lifecycle');
    try {
      const before = await runCheck({ root: mesh.root, today: TODAY });
      expect(summary(formatReport(before))).toMatch(/^meshgate check: 2 products pass every rule \(\d+ ms\)$/);
      const file = join(mesh.root, 'subgraphs', 'stock', 'product.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^status: \w+/m, 'status: retired'));
      const after = await runCheck({ root: mesh.root, today: TODAY });
      expect(summary(formatReport(after))).toMatch(/^meshgate check: \d+ failures?; 0 of 1 product fail, and the mesh as a whole; not checked: stock \(retired\) \(\d+ ms\)$/);
    } finally {
      mesh.remove();
    }
  });

  it('names whose failures a refusal holds, and how long it took, when it lists no products', () => {
    const findings = [
      finding('sales', 'owner.contact', 'lint/owner-contact', 'The contact is missing', 'Fix owner.contact in product.yaml.'),
      finding('sales', 'Order.id', 'lint/field-classification', 'Order.id has no classification', 'Classify it.'),
    ];
    expect(summary(formatReport({ ok: false, products: [], findings, durationMs: 12 }, 'meshgate publish'))).toBe('meshgate publish: 2 failures in sales (12 ms)');
  });

  it('names the mesh as a whole, not as a product, when the refused build is one no gateway would serve', () => {
    const findings = [
      finding('sales', 'Order.depot', 'lint/field-classification', 'Order.depot has no classification', 'Classify it.'),
      finding('mesh', 'supergraph', 'supergraph/not-servable', 'Every gateway would refuse this build', 'Classify the field.'),
    ];
    expect(summary(formatReport({ ok: false, products: [], findings, durationMs: 7 }, 'meshgate publish'))).toBe('meshgate publish: 2 failures in sales and the mesh as a whole (7 ms)');
    expect(summary(formatReport({ ok: false, products: [], findings: findings.slice(1), durationMs: 7 }, 'meshgate publish'))).toBe('meshgate publish: 1 failure in the mesh as a whole (7 ms)');
  });

  it('leaves out of the count a product that declares no rule, in a report of rule results', () => {
    const products = ['a', 'b'].map((name) => ({ name, version: '1.0.0', status: 'active' as const, ok: true }));
    const text = formatReport({ ok: true, products, findings: [], durationMs: 3, results: [{ product: 'a' }] }, 'meshgate test');
    expect(summary(text)).toBe('meshgate test: 1 product passes every rule; not checked: b (no rules declared) (3 ms)');
  });

  it("names a repository's own files where the registry's hints name its laid-out mesh", () => {
    const laidOut = [finding('sales', 'owner.contact', 'descriptor/invalid', 'Required', 'Fix owner.contact in subgraphs/sales/product.yaml.')];
    expect(inRepository(laidOut, 'sales', '.')[0]!.fix).toBe('Fix owner.contact in product.yaml.');
    expect(inRepository(laidOut, 'sales', 'repos/sales')[0]!.fix).toBe(`Fix owner.contact in ${join('repos', 'sales', 'product.yaml')}.`);
    // Another product's files stay as they are: only the one published lives in this repository.
    expect(inRepository(laidOut, 'customers', '.')[0]!.fix).toBe('Fix owner.contact in subgraphs/sales/product.yaml.');
  });
});
