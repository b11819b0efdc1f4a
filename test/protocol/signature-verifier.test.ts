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

describe('refusal reasons (PROTOCOL.md 4: extensions.reason, for the gateway to log)', () => {
  async function refusalOf(verifier: SignatureVerifier, header: string | undefined, signed = body): Promise<Record<string, unknown> | undefined> {
    try {
      await verifier.verify(header, signed);
      return undefined;
    } catch (error) {
      return { code: (error as MeshError).code, reason: (error as MeshError).extensions.reason, keyId: (error as MeshError).extensions.keyId };
    }
  }

  it('names why each signature is refused, and the key id it named', async () => {
    const key = signingKey('the product key, long enough');
    const stranger = signingKey('a key nobody handed out, long');
    const verifier = new SignatureVerifier({ product: 'sales', keys: [key] });
    expect(await refusalOf(verifier, undefined)).toEqual({ code: 'SIGNATURE_MISSING', reason: 'missing', keyId: undefined });
    expect(await refusalOf(verifier, 'v2;nonsense')).toEqual({ code: 'SIGNATURE_INVALID', reason: 'malformed', keyId: undefined });
    expect(await refusalOf(verifier, 'v1;kid=a;ts=1;nonce=0123456789abcdef;sig=x')).toMatchObject({ code: 'SIGNATURE_INVALID', reason: 'protocol-version' });
    expect(await refusalOf(verifier, signatureHeader(stranger, 'sales', body))).toEqual({ code: 'SIGNATURE_INVALID', reason: 'unknown-key', keyId: stranger.id });
    expect(await refusalOf(verifier, signatureHeader(key, 'catalog', body))).toEqual({ code: 'SIGNATURE_INVALID', reason: 'mismatch', keyId: key.id });
    expect(await refusalOf(verifier, signatureHeader(key, 'sales', body, Date.now() - 120_000))).toEqual({ code: 'SIGNATURE_EXPIRED', reason: 'expired', keyId: key.id });
    const header = signatureHeader(key, 'sales', body);
    expect(await refusalOf(verifier, header)).toBeUndefined();
    expect(await refusalOf(verifier, header)).toEqual({ code: 'SIGNATURE_REPLAYED', reason: 'replayed', keyId: key.id });
  });

  it('fetches its keys again when a request names a key it does not hold, and accepts the rotated key', async () => {
    const oldKey = signingKey('the old product key, long enough');
    const newKey = signingKey('the new product key, long enough');
    let held: readonly ReturnType<typeof signingKey>[] = [oldKey];
    const asked: string[] = [];
    const verifier = new SignatureVerifier({
      product: 'sales',
      keys: {
        current: () => held,
        async refresh(wanted) {
          asked.push(wanted);
          held = [newKey, oldKey];
        },
      },
    });
    expect(await refusalOf(verifier, signatureHeader(newKey, 'sales', body))).toBeUndefined();
    expect(asked).toEqual([newKey.id]);
    expect(await refusalOf(verifier, signatureHeader(oldKey, 'sales', body))).toBeUndefined();
    expect(asked).toHaveLength(1);
  });
});
