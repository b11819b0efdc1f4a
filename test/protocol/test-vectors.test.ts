import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { httpStatusOf, MeshError, type MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { deriveProductKey, signingKey, type SigningKey } from '../../schema/protocol/signing-keys.ts';
import { bodyDigest, computeSignature, signatureHeader } from '../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../schema/protocol/signature-verifier.ts';
import { serializeTestVectors, TEST_VECTORS_FILE, type TestVectors } from './build-test-vectors.ts';

/**
 * schema/protocol/test-vectors.json is what a product written in any language checks itself
 * against. Here our own signer and verifier are held to it, so neither can change the wire
 * format without this failing; and the committed file to its builder, so it cannot go stale.
 */
const committed = readFileSync(TEST_VECTORS_FILE, 'utf8');
const vectors = JSON.parse(committed) as TestVectors;
const keyOf = (name: string): SigningKey => {
  const key = (vectors.keys as Record<string, { id: string; secretBase64url: string }>)[name];
  if (!key) throw new Error(`test vectors name no key ${name}`);
  return { id: key.id, secret: Buffer.from(key.secretBase64url, 'base64url') };
};

describe('schema/protocol/test-vectors.json', () => {
  it('is what build-test-vectors.ts writes (regenerate with node --import tsx test/protocol/build-test-vectors.ts)', () => {
    expect(committed).toBe(serializeTestVectors());
  });

  it('holds a case for every signature refusal code', () => {
    const codes = new Set(vectors.verifications.flatMap((c) => c.requests.map((r) => (r.expect === 'accepted' ? 'accepted' : r.expect.code))));
    expect([...codes].sort()).toEqual(['SIGNATURE_EXPIRED', 'SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'SIGNATURE_REPLAYED', 'accepted']);
  });
});

describe('keys', () => {
  it('have the ids and bytes the documented derivations give', () => {
    for (const [name, key] of Object.entries(vectors.keys)) {
      expect(createHash('sha256').update(Buffer.from(key.secretBase64url, 'base64url')).digest('base64url').slice(0, 12), name).toBe(key.id);
    }
    for (const derivation of vectors.keyDerivation) {
      const ours = derivation.from === 'utf8' ? signingKey(derivation.secret!) : deriveProductKey(derivation.meshSecret!, derivation.product!);
      expect({ id: ours.id, secret: ours.secret.toString('base64url') }).toEqual({ id: keyOf(derivation.key).id, secret: keyOf(derivation.key).secret.toString('base64url') });
    }
  });
});

describe('our signer', () => {
  it.each(vectors.signatures.map((v) => [v.name, v] as const))('%s: produces the expected digest, signature and header', (_name, vector) => {
    const key = keyOf(vector.key);
    expect(bodyDigest(vector.body)).toBe(vector.bodyDigest);
    expect(bodyDigest(Buffer.from(vector.body, 'utf8'))).toBe(vector.bodyDigest);
    expect(computeSignature(key, { product: vector.product, keyId: key.id, timestamp: vector.timestamp, nonce: vector.nonce, bodyDigest: vector.bodyDigest })).toBe(vector.signature);
    expect(signatureHeader(key, vector.product, vector.body, vector.timestamp, vector.nonce)).toBe(vector.header);
    // The canonical input, as PROTOCOL.md spells it, is what the HMAC covers.
    expect(createHmac('sha256', key.secret).update(vector.canonicalInput, 'utf8').digest('base64url')).toBe(vector.signature);
    expect(vector.canonicalInput).toBe(['meshgate-v2', vector.product, key.id, String(vector.timestamp), vector.nonce, vector.bodyDigest].join('\n'));
  });
});

describe('our verifier', () => {
  it.each(vectors.verifications.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    let now = 0;
    // Built with its defaults: the documented default window is part of what is checked.
    expect(vector.maxSkewMs).toBe(vectors.defaultMaxSkewMs);
    const verifier = new SignatureVerifier({ product: vector.product, keys: vector.acceptedKeys.map(keyOf), now: () => now });
    for (const [index, request] of vector.requests.entries()) {
      now = request.now;
      let outcome: 'accepted' | { code: MeshErrorCode; status: number; reason: unknown } = 'accepted';
      try {
        await verifier.verify(request.header ?? undefined, Buffer.from(request.body, 'utf8'));
      } catch (error) {
        if (!(error instanceof MeshError)) throw error;
        outcome = { code: error.code, status: httpStatusOf(error.code), reason: error.extensions.reason };
        expect(error.extensions.http).toEqual({ status: outcome.status });
      }
      expect(outcome, `request ${index}`).toEqual(request.expect);
    }
  });
});
