import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's `chromium` package; playwright-core drives it instead of downloading a browser. */
const CHROMIUM_PATH = process.env.MESHGATE_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The machine has no outside network: without these flags Chromium keeps dialling
 * Google's services (sync, component updates, QUIC probes) and floods refused connections.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Whether Chromium is there, installing it under CI when it is not. CI machines start
 * fresh, so the browser test installs its own browser rather than relying on someone
 * having done so by hand; elsewhere a missing browser skips the test with a message.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) {
    try {
      console.warn(`${CHROMIUM_PATH} is missing: installing Debian's chromium package for the browser tests...`);
      execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (error) {
      throw new Error(`Chromium is required under CI and installing it failed (${(error as Error).message}); run: apt-get install -y chromium`);
    }
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is required under CI; apt-get install -y chromium did not provide ${CHROMIUM_PATH}`);
    return true;
  }
  console.warn(`SKIPPING browser tests: ${CHROMIUM_PATH} not found. Install it with apt-get install -y chromium (under CI it is installed automatically).`);
  return false;
}

/** A headless Chromium with a fresh context of its own (nothing kept from another run), closed with it. */
export async function launchChromium(options: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const [browser] = await launchChromiumContexts([options]);
  return browser!;
}

/**
 * One headless Chromium process with a fresh context (no cookies, cache or storage shared)
 * for each entry of `contexts`: a second browser for a second setting (JavaScript off and
 * on) only costs another start. Each `close` closes its context; the last closes the browser.
 */
export async function launchChromiumContexts(contexts: { javaScriptEnabled?: boolean }[]): Promise<{ context: BrowserContext; close(): Promise<void> }[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  let made: BrowserContext[];
  try {
    made = await Promise.all(contexts.map((options) => browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, viewport: { width: 1280, height: 900 } })));
  } catch (error) {
    // A context refused: nobody will close the browser but here (which closes its contexts too).
    await browser.close();
    throw error;
  }
  let open = made.length;
  return made.map((context) => {
    let closed = false;
    return {
      context,
      close: async () => {
        // A second close of the same context must not count as another context closed.
        if (closed) return;
        closed = true;
        await context.close();
        if (--open === 0) await browser.close();
      },
    };
  });
}
