import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../schema/protocol/error-codes.ts';
import { deriveProductKey, devSigningSecret, encodeSigningKey, signingKey } from '../../schema/protocol/signing-keys.ts';
import { loadProductKeys } from '../../subgraphs/kit/product-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshgate-product-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const home = { MESHGATE_HOME: join(dir, 'home') };
const keyA = signingKey(Buffer.from('0123456789abcdef0123456789abcdef'));
const keyB = signingKey(Buffer.from('fedcba9876543210fedcba9876543210'));

async function problemOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe("a product's own signing keys", () => {
  it("takes MESHGATE_PRODUCT_KEY, newest first, and in development also accepts the user's development key", async () => {
    const production = await loadProductKeys('sales', { env: { ...home, MESHGATE_PRODUCT_KEY: `${encodeSigningKey(keyA)},${encodeSigningKey(keyB)}` }, mode: 'production' });
    expect(production.current().map((key) => key.id)).toEqual([keyA.id, keyB.id]);
    const development = await loadProductKeys('sales', { env: { ...home, MESHGATE_PRODUCT_KEY: encodeSigningKey(keyA) }, mode: 'development' });
    expect(development.current().map((key) => key.id)).toEqual([keyA.id, deriveProductKey(devSigningSecret(home), 'sales').id]);
    expect(development.description).toContain('MESHGATE_PRODUCT_KEY');
  });

  it('refuses a key that is not one, without echoing it', async () => {
    const message = await problemOf(() => loadProductKeys('sales', { env: { ...home, MESHGATE_PRODUCT_KEY: 'short!secret' }, mode: 'production' }));
    expect(message).toContain('CONFIG_INVALID: MESHGATE_PRODUCT_KEY is invalid');
    expect(message).toContain('key 1: must be base64url of at least 16 bytes');
    expect(message).not.toContain('short!secret');
  });

  it('reads a key file again when a request names a key it does not hold (a rotated secret mount)', async () => {
    const file = join(dir, 'sales.key');
    writeFileSync(file, `${encodeSigningKey(keyA)}\n`);
    const keys = await loadProductKeys('sales', { env: { ...home, MESHGATE_PRODUCT_KEY_FILE: file }, mode: 'production' });
    expect(keys.current().map((key) => key.id)).toEqual([keyA.id]);
    writeFileSync(file, `${encodeSigningKey(keyB)}\n${encodeSigningKey(keyA)}\n`);
    await keys.refresh!(keyB.id);
    expect(keys.current().map((key) => key.id)).toEqual([keyB.id, keyA.id]);
    keys.close();
  });

  it('names the single-repository mode when the product holds the mesh secret', async () => {
    const keys = await loadProductKeys('sales', { env: { ...home, MESHGATE_SIGNING_SECRET: 'the whole mesh secret of 32 chars' }, mode: 'production' });
    expect(keys.description).toContain('single-repository mode');
    expect(keys.current()[0]!.id).toBe(deriveProductKey('the whole mesh secret of 32 chars', 'sales').id);
  });

  it('in production without a key refuses to start with one line naming where a key comes from; in development uses the development key of MESHGATE_HOME', async () => {
    const message = await problemOf(() => loadProductKeys('sales', { env: { ...home }, mode: 'production' }));
    expect(message).toMatch(/sales has no signing key: set MESHGATE_PRODUCT_KEY .*MESHGATE_REGISTRY_URL/);
    const development = await loadProductKeys('sales', { env: { ...home }, mode: 'development' });
    expect(development.current()[0]!.id).toBe(deriveProductKey(devSigningSecret(home), 'sales').id);
    expect(development.description).toContain(join(dir, 'home', 'signing-secret'));
  });

  it('fails to start, in one line, when the registry cannot hand out its key', async () => {
    const message = await problemOf(() =>
      loadProductKeys('sales', { env: { ...home, MESHGATE_REGISTRY_URL: 'http://127.0.0.1:9/', MESHGATE_REGISTRY_TOKEN: 'sales-token-of-16+' }, mode: 'production' }),
    );
    expect(message).toContain('cannot fetch the signing keys of "sales" from http://127.0.0.1:9');
  });
});
