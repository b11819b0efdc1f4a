import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { SigningKey, SigningKeyring } from '../keys.ts';

/**
 * Signs gateway-to-product requests so a product can tell the gateway from anyone else on
 * the network (rule 4: no backdoors). The signature is an HMAC-SHA256 with the product's
 * own key over
 *
 *     meshgate-v1 \n <product> \n <key id> \n <timestamp ms> \n <nonce> \n sha256(<body>)
 *
 * sent as one header: `x-meshgate-signature: v1;kid=…;ts=…;nonce=…;sig=…`.
 *
 * Why HMAC and not a JWT: the product must hash the body anyway, HMAC needs no key
 * distribution beyond one secret per product, and verifying costs microseconds per fetch.
 *
 * Why the body is hashed in canonical JSON (keys sorted) rather than as raw bytes: the
 * bytes are produced later, inside RemoteGraphQLDataSource and whichever fetcher the
 * transport uses. Hashing the request's JSON value keeps the signature independent of how
 * it is serialised on the way, while still covering the query and every variable.
 */
export const SIGNATURE_HEADER = 'x-meshgate-signature';

export interface SignatureFields {
  product: string;
  keyId: string;
  timestamp: number;
  nonce: string;
  bodyDigest: string;
}

/** JSON with object keys sorted at every level, so both sides hash the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function bodyDigest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null)).digest('base64url');
}

export function computeSignature(key: SigningKey, fields: SignatureFields): string {
  const payload = ['meshgate-v1', fields.product, fields.keyId, String(fields.timestamp), fields.nonce, fields.bodyDigest].join('\n');
  return createHmac('sha256', key.secret).update(payload).digest('base64url');
}

/** The header value for a request body, signed with `key` at `timestamp`. */
export function signatureHeader(key: SigningKey, product: string, body: unknown, timestamp = Date.now(), nonce = randomBytes(16).toString('base64url')): string {
  const fields: SignatureFields = { product, keyId: key.id, timestamp, nonce, bodyDigest: bodyDigest(body) };
  return `v1;kid=${key.id};ts=${timestamp};nonce=${nonce};sig=${computeSignature(key, fields)}`;
}

/** The gateway side: signs each attempt of a product fetch. */
export class RequestSigner {
  constructor(private readonly keyring: SigningKeyring) {}

  sign(product: string, body: unknown): string {
    return signatureHeader(this.keyring.keysFor(product)[0]!, product, body);
  }
}
