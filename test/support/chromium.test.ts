import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { chromiumAvailable, launchChromiumContexts } from './chromium.ts';

/**
 * The browser helper closes the one Chromium it starts exactly once: when its last context is
 * closed (a context closed twice counts once), or at once when a context cannot be made.
 */
const available = chromiumAvailable();
const launched: Browser[] = [];
const launchBrowser = chromium.launch.bind(chromium);
const launch = vi.spyOn(chromium, 'launch').mockImplementation(async (...args) => {
  const browser = await launchBrowser(...args);
  launched.push(browser);
  return browser;
});
// This file may share its worker with others: they get playwright's own launch back.
afterAll(() => launch.mockRestore());
afterEach(async () => {
  for (const browser of launched.splice(0)) await browser.close();
});

describe.skipIf(!available)('a headless Chromium for the browser tests', () => {
  it('keeps the browser for the other context when one context is closed twice', async () => {
    const [first, second] = await launchChromiumContexts([{}, {}]);
    await first!.close();
    await first!.close();
    expect(launched[0]!.isConnected()).toBe(true);
    const page = await second!.context.newPage();
    await page.setContent('<p>still open</p>');
    expect(await page.textContent('p')).toBe('still open');
    await second!.close();
    expect(launched[0]!.isConnected()).toBe(false);
  });

  it('closes the browser when a context cannot be made', async () => {
    // Playwright refuses an option of the wrong type before it makes the context.
    const refused = await launchChromiumContexts([{}, { javaScriptEnabled: 'no' as unknown as boolean }]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(launched).toHaveLength(1);
    expect(launched[0]!.isConnected()).toBe(false);
  });
});
