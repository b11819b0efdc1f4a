import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../gateway/catalog/catalog-data.ts';
import { renderCatalogPage, renderProductPage, searchCatalog } from '../../../gateway/catalog/catalog-page.ts';
import { ProductWatermarksSeen } from '../../../gateway/plugins/product-watermarks-seen-plugin.ts';
import { JsonLinesUsageStore } from '../../../gateway/observability/field-usage-store.ts';
import { copyFixture } from '../../contracts/fixture-mesh.ts';

/** What the catalog says about deprecated and preview fields and freshness, on a fixture mesh. */
const copy = copyFixture('compat');
afterAll(() => copy.remove());

describe('catalog data', () => {
  it('lists deprecated fields with their sunset and recent usage, preview fields apart, and freshness against the SLA', async () => {
    // Keep Widget.legacyCode, still deprecated, in the product's current SDL.
    const sdl = join(copy.root, 'subgraphs/removal-good/schema.graphql');
    writeFileSync(sdl, readFileSync(sdl, 'utf8').replace('  name: String!\n', '  name: String!\n  "The legacyCode."\n  legacyCode: String @deprecated(reason: "Use name. Sunset 2025-09-30")\n'));
    const usage = new JsonLinesUsageStore(join(copy.root, '.meshgate/usage.jsonl'), 0);
    usage.record('legacy-report', ['Widget.legacyCode'], '2025-05-20');
    usage.record('legacy-report', ['Widget.legacyCode'], '2025-05-21');
    usage.record('ancient-export', ['Widget.legacyCode'], '2024-01-01');
    const freshness = new ProductWatermarksSeen();
    freshness.observe('preview-free', '2025-06-01T06:00:00Z');
    freshness.observe('removal-good', '2025-05-01T00:00:00Z');

    const catalog = await buildCatalog({ meshRoot: copy.root, served: new Set(['removal-good']), usage, watermarks: freshness, now: new Date('2025-06-01T12:00:00Z') });
    await usage.close();

    const widget = catalog.products.find((p) => p.name === 'removal-good')!;
    expect(widget.served).toBe(true);
    expect(widget.deprecatedFields).toEqual([
      expect.objectContaining({
        coordinate: 'Widget.legacyCode',
        deprecation: { reason: 'Use name. Sunset 2025-09-30', sunset: '2025-09-30', recentUsage: [{ client: 'legacy-report', count: 2, lastUsed: '2025-05-21' }] },
      }),
    ]);
    expect(widget.freshness.state).toBe('stale');
    const rocket = catalog.products.find((p) => p.name === 'preview-free')!;
    expect(rocket.served).toBe(false);
    expect(rocket.previewFields.map((f) => f.coordinate)).toEqual(expect.arrayContaining([expect.stringMatching(/\.thrust$/), expect.stringMatching(/\.stages$/)]));
    expect(rocket.fields.some((f) => f.preview)).toBe(false);
    expect(rocket.freshness).toEqual({ dataAsOf: '2025-06-01T06:00:00Z', state: 'fresh' });
    expect(catalog.products.find((p) => p.name === 'addition-good')!.freshness).toEqual({ dataAsOf: null, state: 'unknown' });

    const html = renderProductPage(catalog, widget);
    expect(html).toContain('legacy-report (2, last 2025-05-21)');
    // Offline: no script, no stylesheet or image fetched from anywhere.
    for (const page of [html, renderCatalogPage(catalog)]) expect(page).not.toMatch(/<script|<link|src="|url\(http/);

    // Search finds a product by one of its fields, and the filters narrow it.
    const query = { q: 'legacyCode', domain: '', status: '', classification: '' };
    expect(searchCatalog(catalog, query).map((m) => [m.product.name, m.fields.map((f) => f.coordinate)])).toEqual([['removal-good', ['Widget.legacyCode']]]);
    expect(searchCatalog(catalog, { ...query, domain: `not-${widget.domain}` })).toEqual([]);
  });
});
