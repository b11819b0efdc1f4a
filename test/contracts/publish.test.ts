import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { composeProducts } from '../../schema/contracts/compose.ts';
import { isValidProduct, loadMesh } from '../../schema/contracts/mesh.ts';
import { publishProduct } from '../../schema/contracts/publish.ts';
import { copyFixture, fixtureRoot, TODAY } from './fixture-mesh.ts';

describe('lifecycle', () => {
  it('leaves a draft product out of the production supergraph', () => {
    const mesh = loadMesh(fixtureRoot('lifecycle'));
    const products = mesh.products.filter(isValidProduct).map((p) => ({ ...p, url: `http://${p.name}.invalid/graphql` }));
    const result = composeProducts(products, new Set(mesh.governance.composableStatuses));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.included).toEqual(['stock']);
    expect(result.excluded).toEqual([{ name: 'pricing', status: 'draft' }]);
    expect(result.supergraphSdl).toContain('type StockLevel');
    expect(result.supergraphSdl).not.toContain('PriceProposal');
  });
});

describe('meshgate publish', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it('refuses while check fails, records the baseline once it passes, and checks later changes against it', async () => {
    const copy = copyFixture('lifecycle');
    remove = copy.remove;
    const sdlPath = join(copy.root, 'subgraphs/stock/schema.graphql');
    const yamlPath = join(copy.root, 'subgraphs/stock/product.yaml');
    const baselineSdl = join(copy.root, 'schema/published/stock/schema.graphql');
    const edit = (path: string, from: string, to: string) => writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));

    // A new field without a minor bump: check fails, so publish refuses and writes nothing.
    edit(sdlPath, '  units: Int!\n', '  units: Int!\n  "Units reserved for open orders."\n  reserved: Int!\n');
    edit(yamlPath, 'fields:\n', 'fields:\n  StockLevel.reserved: { classification: internal }\n');
    const refused = await publishProduct('stock', { root: copy.root, today: TODAY });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.findings.map((f) => [f.element, f.rule])).toEqual([['StockLevel.reserved', 'compat/addition-without-minor']]);
    expect(readFileSync(baselineSdl, 'utf8')).not.toContain('reserved');

    // With the minor bump it publishes, and the mesh passes against the new baseline.
    edit(yamlPath, 'version: 1.0.0', 'version: 1.1.0');
    const published = await publishProduct('stock', { root: copy.root, today: TODAY });
    expect(published).toMatchObject({ ok: true, product: 'stock', version: '1.1.0' });
    expect(readFileSync(baselineSdl, 'utf8')).toContain('reserved: Int!');
    expect(readFileSync(join(copy.root, 'schema/published/stock/product.yaml'), 'utf8')).toContain('version: 1.1.0');
    expect((await runCheck({ root: copy.root, today: TODAY })).findings).toEqual([]);

    // Removing the field now breaks the published 1.1.0 promise.
    edit(sdlPath, '  "Units reserved for open orders."\n  reserved: Int!\n', '');
    edit(yamlPath, '  StockLevel.reserved: { classification: internal }\n', '');
    edit(yamlPath, 'version: 1.1.0', 'version: 2.0.0');
    const after = await runCheck({ root: copy.root, today: TODAY });
    expect(after.findings.map((f) => [f.product, f.element, f.rule])).toEqual([['stock', 'StockLevel.reserved', 'compat/breaking-without-deprecation']]);
  });

  it('publishes a draft product that has no baseline yet', async () => {
    const copy = copyFixture('lifecycle');
    remove = copy.remove;
    const result = await publishProduct('pricing', { root: copy.root, today: TODAY });
    expect(result).toMatchObject({ ok: true, product: 'pricing', version: '0.1.0' });
    expect(readFileSync(join(copy.root, 'schema/published/pricing/schema.graphql'), 'utf8')).toContain('type PriceProposal');
  });
});
