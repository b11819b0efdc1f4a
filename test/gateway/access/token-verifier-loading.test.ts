import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { devAuthConfig, mintDevToken } from '../../../gateway/access/dev-identity.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'meshgate-token-loading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * jose is loaded with the first bearer token, not when the gateway starts: a gateway whose
 * callers send none never holds it. Run in a process of its own (the test runner's has loaded
 * jose for others), with a load hook that records every module URL.
 */
describe('token verification loads jose on first use', () => {
  it('loads no jose for the authenticator or an anonymous caller, then verifies a token and describes a bad one', async () => {
    const file = join(dir, 'dev-identity.json');
    const auth = { ...(await devAuthConfig('development', file)), maxTokenAgeSeconds: 3600 };
    const token = await mintDevToken({ file, subject: 'first@example.com', scopes: 'pii:read' });
    const expired = await mintDevToken({ file, hours: -1 });
    // A load hook in the loader's thread, posting each module URL back to the main thread.
    const hooks = 'let port; export function initialize(data) { port = data.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }';
    const script = `
      import { register } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const loaded = [];
      port1.on('message', (url) => loaded.push(url));
      port1.unref();
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
      const jose = () => loaded.filter((url) => url.includes('/node_modules/jose/')).length;
      const { createAuthenticator } = await import('./gateway/access/authentication.ts');
      await import('./gateway/access/dev-identity.ts');
      const authenticate = createAuthenticator(${JSON.stringify(auth)});
      const anonymous = await authenticate({});
      await settle();
      const before = jose();
      const principal = await authenticate({ authorization: 'Bearer ${token}' });
      const refusal = await authenticate({ authorization: 'Bearer ${expired}' }).catch((error) => error.message);
      await settle();
      console.log(JSON.stringify({ before, after: jose(), anonymous: anonymous.authenticated, subject: principal.subject, scopes: [...principal.scopes], refusal }));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(seen).toEqual({ before: 0, after: expect.any(Number), anonymous: false, subject: 'first@example.com', scopes: ['pii:read'], refusal: 'The bearer token has expired' });
    expect(seen.after).toBeGreaterThan(0);
  });

  it('a jose that cannot load refuses that token with a clear error, and the next token loads it again', async () => {
    const file = join(dir, 'dev-identity-retry.json');
    const auth = { ...(await devAuthConfig('development', file)), maxTokenAgeSeconds: 3600 };
    const token = await mintDevToken({ file, subject: 'again@example.com' });
    // A resolve hook that fails jose's first resolution, as a broken installation would.
    const hooks =
      "let failed = false; export async function resolve(specifier, context, next) { if (specifier === 'jose' && !failed) { failed = true; throw new Error('jose is not installed'); } return next(specifier, context); }";
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), import.meta.url);
      const { createAuthenticator } = await import('./gateway/access/authentication.ts');
      const authenticate = createAuthenticator(${JSON.stringify(auth)});
      const first = await authenticate({ authorization: 'Bearer ${token}' }).then(() => null, (error) => ({ code: error.code, message: error.message }));
      const second = await authenticate({ authorization: 'Bearer ${token}' });
      console.log(JSON.stringify({ first, subject: second.subject }));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(seen).toEqual({ first: { code: 'INTERNAL_SERVER_ERROR', message: 'The token verifier could not be loaded (jose: jose is not installed)' }, subject: 'again@example.com' });
  });
});
