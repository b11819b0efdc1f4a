import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../gateway/catalog/catalog-data.ts';
import { DEMO_MESH } from '../../../subgraphs/demo-mesh.ts';
import { chromiumAvailable, launchChromiumContexts } from '../../support/chromium.ts';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * The catalog in a real headless Chromium, served by a running gateway: read and searched
 * with JavaScript off, then a product's example query followed into the explorer.
 */
const available = chromiumAvailable();
let mesh: MeshHarness;
let noScript: Awaited<ReturnType<typeof launchChromiumContexts>>[number];
let withScript: Awaited<ReturnType<typeof launchChromiumContexts>>[number];
let base: string;
let catalog: Catalog;
beforeAll(async () => {
  if (!available) return;
  mesh = await startWorkerMesh();
  base = mesh.gateway.url.replace(/graphql$/, '');
  catalog = (await (await fetch(`${base}catalog.json`)).json()) as Catalog;
  // One browser, a context with JavaScript off and one with it on.
  [noScript, withScript] = (await launchChromiumContexts([{ javaScriptEnabled: false }, {}])) as [typeof noScript, typeof withScript];
});
afterAll(async () => {
  await noScript?.close();
  await withScript?.close();
  await mesh?.close();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Whether the segment from a to b passes through the inside of the box (shrunk by a pixel, so touching an edge does not count). */
function segmentCrossesBox(a: { x: number; y: number }, b: { x: number; y: number }, box: Box): boolean {
  const [left, right, top, bottom] = [box.x + 1, box.x + box.width - 1, box.y + 1, box.y + box.height - 1];
  // Liang-Barsky clipping: does any part of the segment lie inside the rectangle?
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  for (const [p, q] of [
    [-dx, a.x - left],
    [dx, right - a.x],
    [-dy, a.y - top],
    [dy, bottom - a.y],
  ] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

describe.skipIf(!available)('the catalog in Chromium', () => {
  it('lists every product and draws the lineage with no edge through a box, derived products right of their sources', async () => {
    const page = await noScript.context.newPage();
    const response = await page.goto(`${base}catalog`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toContain('Data product catalog');
    // Every product the mesh serves, whichever products a team has added.
    expect(catalog.products.map((p) => p.name).sort()).toEqual(DEMO_MESH.map((m) => m.name).sort());
    for (const product of catalog.products) {
      const text = await page.locator(`section[data-product="${product.name}"]`).innerText();
      expect(text).toContain(product.owner.contact);
      expect(text).toContain(product.version);
      expect(text).toContain(product.sla.freshness);
      // No product reports a watermark in this mesh yet.
      expect(await page.locator(`section[data-product="${product.name}"] .freshness`).innerText()).toBe('unknown');
    }

    const svg = page.locator('svg#lineage');
    expect(await svg.locator('g.lineage-product').count()).toBe(catalog.lineage.products.length);
    const derived = catalog.products.filter((p) => p.derived);
    const sources = catalog.products.filter((p) => !p.derived);
    expect(derived.length).toBeGreaterThan(0);
    expect(sources.length).toBeGreaterThan(derived.length);
    // A product is derived only through @requires: every derived one has such an edge in, no source has.
    const requiresInto = new Set(catalog.lineage.edges.filter((e) => e.via === 'requires' && e.from.split(':')[0] !== e.to.split(':')[0]).map((e) => e.to.split(':')[0]));
    expect(new Set(derived.map((p) => p.name))).toEqual(requiresInto);
    const rects = new Map<string, Box>();
    for (const product of catalog.products) {
      const rect = svg.locator(`g[data-product="${product.name}"] rect`);
      rects.set(product.name, {
        x: Number(await rect.getAttribute('x')),
        y: Number(await rect.getAttribute('y')),
        width: Number(await rect.getAttribute('width')),
        height: Number(await rect.getAttribute('height')),
      });
    }
    const sourceRight = Math.max(...sources.map((p) => rects.get(p.name)!.x));
    for (const product of derived) expect(rects.get(product.name)!.x).toBeGreaterThan(sourceRight);

    // Edges by geometry: each path's segments stay outside every box but the two it joins.
    const paths = await svg.locator('path.edge').evaluateAll((nodes) => nodes.map((n) => ({ from: n.getAttribute('data-from')!, to: n.getAttribute('data-to')!, d: n.getAttribute('d')! })));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const points = [...path.d.matchAll(/[ML]\s*(-?[\d.]+),(-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
      expect(points.length).toBeGreaterThanOrEqual(2);
      for (const [name, box] of rects) {
        if (name === path.from || name === path.to) continue;
        for (let i = 1; i < points.length; i++) expect(segmentCrossesBox(points[i - 1]!, points[i]!, box), `${path.from} -> ${path.to} crosses ${name}`).toBe(false);
      }
    }
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/catalog.png', fullPage: true });
    await page.close();
  });

  it('finds a field by server-side search without JavaScript, opens its product page, and runs its example in the explorer', async () => {
    // A field with a description, searched by its name.
    const product = catalog.products.find((p) => p.examples.length > 0 && p.types.length > 0)!;
    const field = product.types.flatMap((t) => t.fields).find((f) => f.description)!;
    const fieldName = field.coordinate.split('.')[1]!;

    const page = await noScript.context.newPage();
    await page.goto(`${base}catalog`);
    await page.locator('input[name="q"]').fill(fieldName);
    await Promise.all([page.waitForURL(/\?q=/), page.locator('form.search button[type="submit"]').click()]);
    const hit = page.locator(`section[data-product="${product.name}"] .matches a`, { hasText: field.coordinate });
    await expect(hit.count()).resolves.toBe(1);
    await Promise.all([page.waitForURL(new RegExp(`/catalog/${product.name}`)), hit.click()]);

    // The product page: fields by type with no pagination plumbing, scopes, examples.
    const fieldRow = page.locator(`tr[data-coordinate="${field.coordinate}"]`);
    await expect(fieldRow.isVisible()).resolves.toBe(true);
    expect(await page.locator('h3[id^="type-"]').allInnerTexts()).not.toContainEqual(expect.stringMatching(/^(PageInfo|\w+Connection|\w+Edge)\b/));
    const link = page.locator('a.open-in-explorer').first();
    const href = await link.getAttribute('href');
    await page.close();

    // Follow "open in explorer" in a browser with JavaScript, offline, and run the query.
    const explorer = await withScript.context.newPage();
    const elsewhere: string[] = [];
    const origin = new URL(base).origin;
    await explorer.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
      elsewhere.push(url);
      return route.abort('blockedbyclient');
    });
    await explorer.goto(new URL(href!, `${base}catalog/${product.name}`).href);
    await explorer.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    expect((await explorer.locator('.graphiql-query-editor').innerText()).replace(/\s+/g, ' ')).toContain(product.examples[0]!.query.split('\n')[1]!.trim().split('(')[0]!);
    await explorer.locator('.graphiql-execute-button').click();
    const result = explorer.locator('.graphiql-response');
    await expect.poll(async () => (await result.innerText()).replace(/\s+/g, ' '), { timeout: 30_000 }).toContain('"data"');
    expect((await result.innerText()).replace(/\s+/g, ' ')).not.toContain('"errors"');
    expect(elsewhere).toEqual([]);
    mkdirSync('test-artifacts', { recursive: true });
    await explorer.screenshot({ path: 'test-artifacts/catalog-example-in-explorer.png' });
    await explorer.close();
  });

  it('serves a 404 page for an unknown product', async () => {
    const response = await fetch(`${base}catalog/no-such-product`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('No product no-such-product');
  });
});
