import { describe, expect, it } from 'vitest';
import { MeshError } from '../../schema/protocol/error-codes.ts';
import { deriveProductKey, loadSigningKeyring, signingKey } from '../../schema/protocol/signing-keys.ts';
import { nextNonce, signatureHeader } from '../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../schema/protocol/signature-verifier.ts';

const body = JSON.stringify({ query: '{ a }', variables: { b: [1, { d: 2, c: 3 }] } });

async function codeOf(action: () => Promise<void>): Promise<string | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    return error instanceof MeshError ? error.code : `not a MeshError: ${String(error)}`;
  }
}

describe('key rotation', () => {
  it('accepts the old and the new key during a change, and only the new one after it', async () => {
    const oldKey = signingKey('old secret of sixteen+ chars');
    const newKey = signingKey('new secret of sixteen+ chars');
    const during = new SignatureVerifier({ product: 'sales', keys: [newKey, oldKey] });
    expect(await codeOf(() => during.verify(signatureHeader(oldKey, 'sales', body), body))).toBeUndefined();
    expect(await codeOf(() => during.verify(signatureHeader(newKey, 'sales', body), body))).toBeUndefined();
    const after = new SignatureVerifier({ product: 'sales', keys: [newKey] });
    expect(await codeOf(() => after.verify(signatureHeader(oldKey, 'sales', body), body))).toBe('SIGNATURE_INVALID');
  });

  it('signs with the first of two comma-separated mesh secrets and derives distinct keys per product', async () => {
    const ring = loadSigningKeyring({ env: { MESHGATE_SIGNING_SECRET: 'new mesh secret 123456,old mesh secret 123456' } });
    expect(ring.keysFor('sales').map((k) => k.id)).toEqual([deriveProductKey('new mesh secret 123456', 'sales').id, deriveProductKey('old mesh secret 123456', 'sales').id]);
    expect(ring.keysFor('sales')[0]!.id).not.toBe(ring.keysFor('catalog')[0]!.id);
  });

  it('refuses to invent a secret in production, and names a missing product key', async () => {
    expect(() => loadSigningKeyring({ env: {}, mode: 'production' })).toThrow(/MESHGATE_SIGNING_KEYS or MESHGATE_SIGNING_SECRET must be set/);
    const ring = loadSigningKeyring({ env: { MESHGATE_SIGNING_KEYS: JSON.stringify({ sales: ['a sales key, long enough'] }) } });
    expect(() => ring.keysFor('catalog')).toThrow(/catalog: no signing key/);
    expect(() => loadSigningKeyring({ env: { MESHGATE_SIGNING_KEYS: '{"sales": ["short"]}' } })).toThrow(/sales\.0: a signing key needs at least 16 characters/);
  });
});

describe('the signed body', () => {
  it('is hashed as the bytes received: a string and its UTF-8 bytes verify alike, a reordering or one changed value does not', async () => {
    const key = signingKey('a key of sixteen+ characters');
    const verifier = new SignatureVerifier({ product: 'p', keys: [key] });
    expect(await codeOf(() => verifier.verify(signatureHeader(key, 'p', body), Buffer.from(body)))).toBeUndefined();
    const reordered = JSON.stringify({ variables: { b: [1, { d: 2, c: 3 }] }, query: '{ a }' });
    expect(await codeOf(() => verifier.verify(signatureHeader(key, 'p', body), reordered))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(() => verifier.verify(signatureHeader(key, 'p', body), body.replace('"c":3', '"c":4')))).toBe('SIGNATURE_INVALID');
  });

  it('refuses the retired v1 protocol, naming it', async () => {
    const key = signingKey('a key of sixteen+ characters');
    const verifier = new SignatureVerifier({ product: 'p', keys: [key] });
    await expect(verifier.verify(signatureHeader(key, 'p', body).replace(/^v2;/, 'v1;'), body)).rejects.toThrow(/protocol v1; this product accepts v2 only/);
  });

  it('draws nonces that are unique and fit the header', async () => {
    const nonces = Array.from({ length: 10_000 }, () => nextNonce());
    expect(new Set(nonces).size).toBe(nonces.length);
    for (const nonce of [nonces[0]!, nonces.at(-1)!]) expect(nonce).toMatch(/^[\w-]{16,64}$/);
  });

  it('expires after the skew window and forgets nonces only once they would be expired anyway', async () => {
    let now = 1_000_000;
    const key = signingKey('a key of sixteen+ characters');
    const verifier = new SignatureVerifier({ product: 'p', keys: [key], maxSkewMs: 60_000, now: () => now });
    const header = signatureHeader(key, 'p', body, now);
    expect(await codeOf(() => verifier.verify(header, body))).toBeUndefined();
    now += 30_000;
    expect(await codeOf(() => verifier.verify(header, body))).toBe('SIGNATURE_REPLAYED');
    now += 31_000;
    expect(await codeOf(() => verifier.verify(header, body))).toBe('SIGNATURE_EXPIRED');
    expect(await codeOf(() => verifier.verify(signatureHeader(key, 'p', body, now + 120_000), body))).toBe('SIGNATURE_EXPIRED');
  });
});
