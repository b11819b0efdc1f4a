import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveProductKey, signingKey, type SigningKey } from '../../schema/protocol/signing-keys.ts';
import type { SignatureRefusalReason } from '../../schema/protocol/signature-verifier.ts';
import { bodyDigest, computeSignature, SIGNATURE_HEADER, SIGNATURE_VERSION, signatureHeader } from '../../schema/protocol/signature.ts';

/**
 * Builds schema/protocol/test-vectors.json: what a product in any language checks its
 * verifier against. Signatures come from our signer; every expected outcome below is
 * written by hand, as the protocol states it, never read back from our verifier.
 *
 *     node --import tsx test/protocol/build-test-vectors.ts
 *
 * The JSON is committed as data: test/protocol/test-vectors.test.ts fails when the signer
 * or the verifier no longer agrees with it, and when this builder would write anything else.
 */
export const TEST_VECTORS_FILE = join(import.meta.dirname, '..', '..', 'schema', 'protocol', 'test-vectors.json');

const MAX_SKEW_MS = 60_000;
/** 2026-01-01T00:00:00Z: any fixed instant works; `now` is given with every request. */
const T = 1_767_225_600_000;
const BODY = '{"query":"query($sku:ID!){product(sku:$sku){sku name}}","variables":{"sku":"SKU-0001","note":"café ☕"}}';

const KEYS = {
  'sales-current': signingKey('test vector key: sales, current'),
  'sales-previous': signingKey('test vector key: sales, previous'),
  catalog: signingKey('test vector key: catalog'),
  'sales-derived': deriveProductKey('test vector mesh secret, 32 chars', 'sales'),
} satisfies Record<string, SigningKey>;
type KeyName = keyof typeof KEYS;

type Refused = { code: 'SIGNATURE_MISSING' | 'SIGNATURE_INVALID' | 'SIGNATURE_EXPIRED' | 'SIGNATURE_REPLAYED'; status: 401; reason: SignatureRefusalReason };
type Outcome = 'accepted' | Refused;
const refused = (code: Refused['code'], reason: SignatureRefusalReason): Outcome => ({ code, status: 401, reason });

interface VectorRequest {
  /** The header's value(s) as received; null when the request carries none, a list when it came more than once. */
  header: string | string[] | null;
  /** The request body, whose UTF-8 bytes are what was received. */
  body: string;
  /** The product's clock when the request arrives, ms since the epoch. */
  now: number;
  expect: Outcome;
}

interface VectorCase {
  name: string;
  product: string;
  acceptedKeys: KeyName[];
  maxSkewMs: number;
  requests: VectorRequest[];
}

const header = (key: KeyName, options: { product?: string; body?: string; ts?: number; nonce?: string } = {}) =>
  signatureHeader(KEYS[key], options.product ?? 'sales', options.body ?? BODY, options.ts ?? T, options.nonce ?? 'nonce-0000000001');

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The header with the first character of its signature changed: another HMAC. */
const tampered = (value: string) => withParam(value, 'sig', `${value.at(-43) === 'A' ? 'B' : 'A'}${value.slice(-42)}`);

/**
 * The header with the unused low bits of the signature's last character set: 43 base64url
 * characters carry 258 bits for 256, so a lenient decoder reads the same bytes. The
 * signature is compared as the text sent, so this is another signature.
 */
const paddingBitsSet = (value: string) => withParam(value, 'sig', `${value.slice(-43, -1)}${BASE64URL[BASE64URL.indexOf(value.at(-1)!) ^ 1]}`);

/** Replaces one `name=value` parameter of a header, keeping the rest as signed. */
const withParam = (value: string, name: string, replacement: string) => value.replace(new RegExp(`${name}=[^;]*`), `${name}=${replacement}`);

function signatureCase(name: string, key: KeyName, product: string, body: string, timestamp: number, nonce: string) {
  const k = KEYS[key];
  const digest = bodyDigest(body);
  return {
    name,
    key,
    product,
    body,
    timestamp,
    nonce,
    bodyDigest: digest,
    canonicalInput: `meshgate-${SIGNATURE_VERSION}\n${product}\n${k.id}\n${timestamp}\n${nonce}\n${digest}`,
    signature: computeSignature(k, { product, keyId: k.id, timestamp, nonce, bodyDigest: digest }),
    header: signatureHeader(k, product, body, timestamp, nonce),
  };
}

function verificationCases(): VectorCase[] {
  const good = header('sales-current');
  const one = (name: string, acceptedKeys: KeyName[], request: VectorRequest): VectorCase => ({ name, product: 'sales', acceptedKeys, maxSkewMs: MAX_SKEW_MS, requests: [request] });
  const current: KeyName[] = ['sales-current'];
  const rotating: KeyName[] = ['sales-current', 'sales-previous'];
  return [
    one('a valid signature is accepted', current, { header: good, body: BODY, now: T, expect: 'accepted' }),
    one('the body is hashed as received bytes, UTF-8 included', current, { header: good, body: BODY, now: T + 1, expect: 'accepted' }),
    one('an empty body is signed like any other', current, { header: header('sales-current', { body: '' }), body: '', now: T, expect: 'accepted' }),
    one('a key derived from a mesh secret is accepted by its product', ['sales-derived'], { header: header('sales-derived'), body: BODY, now: T, expect: 'accepted' }),
    one('during a rotation the previous key is still accepted', rotating, { header: header('sales-previous'), body: BODY, now: T, expect: 'accepted' }),
    one('after a rotation the previous key is refused', current, { header: header('sales-previous'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'unknown-key') }),
    one('exactly maxSkewMs old is still accepted', current, { header: good, body: BODY, now: T + MAX_SKEW_MS, expect: 'accepted' }),
    one('exactly maxSkewMs ahead is still accepted', current, { header: good, body: BODY, now: T - MAX_SKEW_MS, expect: 'accepted' }),
    one('no header', current, { header: null, body: BODY, now: T, expect: refused('SIGNATURE_MISSING', 'missing') }),
    one('an empty header', current, { header: '', body: BODY, now: T, expect: refused('SIGNATURE_MISSING', 'missing') }),
    one('a header that is not a signature', current, { header: 'Bearer abc', body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('the retired protocol v1', current, { header: good.replace(/^v2;/, 'v1;'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'protocol-version') }),
    one('the version in upper case', current, { header: good.replace(/^v2;/, 'V2;'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('parameters in another order', current, { header: good.replace(/^v2;(kid=[^;]*);(ts=[^;]*);/, 'v2;$2;$1;'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('spaces around the parameters', current, { header: good.replaceAll(';', '; '), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('a trailing parameter', current, { header: `${good};x=1`, body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('the header sent twice', current, { header: [good, good], body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('a nonce shorter than 16 characters', current, { header: header('sales-current', { nonce: 'short-nonce' }), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('a nonce with a character outside [A-Za-z0-9_-]', current, {
      header: header('sales-current', { nonce: 'nonce.0000000001' }),
      body: BODY,
      now: T,
      expect: refused('SIGNATURE_INVALID', 'malformed'),
    }),
    one('a signature of the wrong length', current, { header: withParam(good, 'sig', 'A'.repeat(42)), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'malformed') }),
    one('a signature in standard base64 with padding', current, {
      header: withParam(good, 'sig', `${Buffer.from(good.slice(-43), 'base64url').toString('base64')}`),
      body: BODY,
      now: T,
      expect: refused('SIGNATURE_INVALID', 'malformed'),
    }),
    one('a key id this product does not know', current, { header: withParam(good, 'kid', 'unknownKeyId'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'unknown-key') }),
    one("another product's key", current, { header: header('catalog'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'unknown-key') }),
    one("another product's key id, signed for this product", current, { header: header('catalog', { product: 'sales' }), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'unknown-key') }),
    one("this product's key, signed for another product", current, { header: header('sales-current', { product: 'catalog' }), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one('a tampered body', current, { header: good, body: BODY.replace('SKU-0001', 'SKU-0002'), now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one('the same JSON with its keys reordered', current, {
      header: good,
      body: JSON.stringify({ variables: JSON.parse(BODY).variables, query: JSON.parse(BODY).query }),
      now: T,
      expect: refused('SIGNATURE_INVALID', 'mismatch'),
    }),
    one('a tampered timestamp', current, { header: withParam(good, 'ts', String(T + 1)), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one('a tampered nonce', current, { header: withParam(good, 'nonce', 'nonce-0000000002'), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one('a tampered signature', current, { header: tampered(good), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one("a signature whose last character's unused bits differ", current, { header: paddingBitsSet(good), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') }),
    one('older than maxSkewMs', current, { header: good, body: BODY, now: T + MAX_SKEW_MS + 1, expect: refused('SIGNATURE_EXPIRED', 'expired') }),
    one('further ahead than maxSkewMs', current, { header: good, body: BODY, now: T - MAX_SKEW_MS - 1, expect: refused('SIGNATURE_EXPIRED', 'expired') }),
    one('expired and forged: the HMAC is checked first', current, {
      header: withParam(good, 'nonce', 'nonce-0000000002'),
      body: BODY,
      now: T + 10 * MAX_SKEW_MS,
      expect: refused('SIGNATURE_INVALID', 'mismatch'),
    }),
    {
      name: 'a replayed request',
      product: 'sales',
      acceptedKeys: current,
      maxSkewMs: MAX_SKEW_MS,
      requests: [
        { header: good, body: BODY, now: T, expect: 'accepted' },
        { header: good, body: BODY, now: T + 1_000, expect: refused('SIGNATURE_REPLAYED', 'replayed') },
      ],
    },
    {
      name: 'a nonce is single-use whatever the body',
      product: 'sales',
      acceptedKeys: current,
      maxSkewMs: MAX_SKEW_MS,
      requests: [
        { header: good, body: BODY, now: T, expect: 'accepted' },
        { header: header('sales-current', { body: '{"query":"{ __typename }"}' }), body: '{"query":"{ __typename }"}', now: T + 1, expect: refused('SIGNATURE_REPLAYED', 'replayed') },
      ],
    },
    {
      name: 'a forged request does not burn the nonce of the real one',
      product: 'sales',
      acceptedKeys: current,
      maxSkewMs: MAX_SKEW_MS,
      requests: [
        { header: tampered(good), body: BODY, now: T, expect: refused('SIGNATURE_INVALID', 'mismatch') },
        { header: good, body: BODY, now: T, expect: 'accepted' },
      ],
    },
    {
      name: 'a replay after the window is refused as expired',
      product: 'sales',
      acceptedKeys: current,
      maxSkewMs: MAX_SKEW_MS,
      requests: [
        { header: good, body: BODY, now: T, expect: 'accepted' },
        { header: good, body: BODY, now: T + MAX_SKEW_MS + 1, expect: refused('SIGNATURE_EXPIRED', 'expired') },
      ],
    },
    {
      name: 'the same nonce under another key is another nonce',
      product: 'sales',
      acceptedKeys: rotating,
      maxSkewMs: MAX_SKEW_MS,
      requests: [
        { header: good, body: BODY, now: T, expect: 'accepted' },
        { header: header('sales-previous'), body: BODY, now: T, expect: 'accepted' },
      ],
    },
  ];
}

function buildTestVectors() {
  return {
    $comment: 'Generated by test/protocol/build-test-vectors.ts and committed as data. Described in schema/protocol/PROTOCOL.md.',
    protocol: SIGNATURE_VERSION,
    header: SIGNATURE_HEADER,
    /** What a product allows when not configured otherwise; every case below uses it. */
    defaultMaxSkewMs: MAX_SKEW_MS,
    keys: Object.fromEntries(Object.entries(KEYS).map(([name, key]) => [name, { id: key.id, secretBase64url: key.secret.toString('base64url') }])),
    keyDerivation: [
      { from: 'utf8', secret: 'test vector key: sales, current', key: 'sales-current' },
      { from: 'mesh-secret', meshSecret: 'test vector mesh secret, 32 chars', product: 'sales', key: 'sales-derived' },
    ],
    signatures: [
      signatureCase('a query with UTF-8 in its variables', 'sales-current', 'sales', BODY, T, 'nonce-0000000001'),
      signatureCase('the previous key', 'sales-previous', 'sales', BODY, T, 'nonce-0000000001'),
      signatureCase('an empty body', 'sales-current', 'sales', '', T, 'nonce-0000000003'),
      signatureCase('another product', 'catalog', 'catalog', '{"query":"{ __typename }"}', T + 5, 'Zk3pQ9uYb2xWv7Lm-1f'),
      signatureCase('a key derived from a mesh secret', 'sales-derived', 'sales', BODY, T, 'nonce-0000000004'),
    ],
    verifications: verificationCases(),
  };
}

export type TestVectors = ReturnType<typeof buildTestVectors>;

export function serializeTestVectors(): string {
  return `${JSON.stringify(buildTestVectors(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(TEST_VECTORS_FILE, serializeTestVectors());
  console.log(`wrote ${TEST_VECTORS_FILE}`);
}
