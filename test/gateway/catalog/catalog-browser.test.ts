import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../gateway/catalog/catalog-data.ts';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { chromiumAvailable, launchChromium } from '../../support/chromium.ts';
import { startMesh, type MeshHarness } from '../../support/mesh-harness.ts';

/**
 * The catalog page in a real headless Chromium, served by a running gateway. JavaScript
 * is off: the page must be readable without it.
 */
const available = chromiumAvailable();
let mesh: MeshHarness;
let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  if (!available) return;
  mesh = await startMesh();
  browser = await launchChromium({ javaScriptEnabled: false });
});
afterAll(async () => {
  await browser?.close();
  await mesh?.close();
});

describe.skipIf(!available)('the catalog in Chromium', () => {
  it('lists every product with its owner, SLA and fields, and draws the lineage as SVG', async () => {
    const base = mesh.gateway.url.replace(/graphql$/, '');
    const catalog = (await (await fetch(`${base}catalog.json`)).json()) as Catalog;
    // Every product the mesh serves, whichever products a team has added.
    expect(catalog.products.map((p) => p.name)).toEqual(DEMO_MESH.map((m) => m.name).sort());

    const page = await browser.context.newPage();
    const response = await page.goto(`${base}catalog`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toContain('Data product catalog');
    for (const product of catalog.products) {
      const section = page.locator(`section[data-product="${product.name}"]`);
      await expect(section.isVisible()).resolves.toBe(true);
      const text = await section.innerText();
      expect(text).toContain(product.owner.contact);
      expect(text).toContain(product.version);
      expect(text).toContain(product.sla.freshness);
      // No product reports a watermark in this mesh yet.
      expect(await section.locator('.freshness').innerText()).toBe('unknown');
      expect(await section.locator('tr[data-coordinate]').count()).toBeGreaterThanOrEqual(product.fields.length);
    }
    // An @inaccessible field is no part of the catalog either.
    expect(await page.locator('section[data-product="catalog"]').innerText()).not.toContain('unitCost');

    const svg = page.locator('svg#lineage');
    await expect(svg.isVisible()).resolves.toBe(true);
    expect(await svg.locator('g.lineage-product').count()).toBe(catalog.lineage.products.length);
    expect(await svg.locator('path.edge').count()).toBe(catalog.lineage.edges.length);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    // A derived product's box sits right of the products it reads.
    const x = async (name: string) => (await svg.locator(`g[data-product="${name}"] rect`).boundingBox())!.x;
    expect(await x('customer-insights')).toBeGreaterThan(await x('sales'));
    expect(await x('sales')).toBeGreaterThan(await x('customers'));

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/catalog.png', fullPage: true });
    await page.close();
  });
});
