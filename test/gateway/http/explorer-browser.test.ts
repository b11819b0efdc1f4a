import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthConfig } from '../../../gateway/access/dev-identity.ts';
import { chromiumAvailable, launchChromium } from '../../support/chromium.ts';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * The GraphiQL explorer in headless Chromium with every request to another origin refused,
 * as on a company network without internet: the page, its workers and fonts must all come
 * from the gateway.
 */
const available = chromiumAvailable();
let mesh: MeshHarness;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let base: string;
beforeAll(async () => {
  if (!available) return;
  // The development identity, as `npm start` configures it: the explorer pre-fills its token.
  mesh = await startWorkerMesh({ auth: await devAuthConfig('development') });
  base = mesh.gateway.url.replace(/graphql$/, '');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await mesh?.close();
});

/** A page on which any request leaving the gateway's origin is aborted and recorded. */
async function offlinePage(): Promise<{ page: Page; elsewhere: string[]; workers: string[] }> {
  const page = await browser.context.newPage();
  const origin = new URL(base).origin;
  const elsewhere: string[] = [];
  const workers: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    elsewhere.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('worker', (worker) => workers.push(worker.url()));
  return { page, elsewhere, workers };
}

async function runAndRead(page: Page): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response');
  await expect.poll(async () => (await result.innerText()).replace(/\s+/g, ' '), { timeout: 30_000 }).toContain('"data"');
  return (await result.innerText()).replace(/\s+/g, ' ');
}

describe.skipIf(!available)('the explorer in Chromium, offline', () => {
  it('loads from the gateway alone, pre-fills the development token and runs a query', async () => {
    const { page, elsewhere, workers } = await offlinePage();
    const query = '{ __schema { queryType { name } } }';
    const response = await page.goto(`${base}explorer?query=${encodeURIComponent(query)}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    expect(await page.locator('#explorer-banner').innerText()).toMatch(/works offline[\s\S]*Apollo Sandbox[\s\S]*needs internet/);

    const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await expect.poll(async () => (await headers.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 }).toContain('"Authorization": "Bearer ey');

    const answer = await runAndRead(page);
    expect(answer).toContain('"queryType"');
    expect(answer).not.toContain('"errors"');

    // The documentation explorer reads the schema the gateway introspects.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await expect.poll(async () => page.locator('.graphiql-doc-explorer').innerText(), { timeout: 15_000 }).toContain('Query');

    expect(elsewhere).toEqual([]);
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) expect(worker.startsWith(base)).toBe(true);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/explorer.png' });
    await page.close();
  });

  it('keeps Apollo Sandbox at /sandbox, and GraphQL GETs to / still reach the gateway', async () => {
    const sandbox = await fetch(`${base}sandbox`, { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(await sandbox.text()).toContain('embeddable-sandbox');
    const get = await fetch(`${base}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toMatchObject({ data: { __typename: 'Query' } });
    const asset = await fetch(`${base}explorer/..%2Fserve-explorer.ts`);
    expect(asset.status).toBe(404);
  });
});
