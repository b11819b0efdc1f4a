import { timingSafeEqual } from 'node:crypto';
import { MeshError, MeshErrorCode } from './error-codes.ts';
import type { SigningKey } from './signing-keys.ts';
import { bodyDigest, computeSignature, SIGNATURE_HEADER, SIGNATURE_VERSION, type SignedBody } from './signature.ts';

/**
 * Where a product remembers the nonces it has accepted. In memory by default; products
 * running as several replicas, or restarting within the skew window, share one in Redis
 * so that a request captured on the way to one replica cannot be replayed to another.
 */
export interface NonceRegistry {
  /** Records `nonce` until `expiresAt` (ms since the epoch); false when it was already recorded. */
  claim(nonce: string, expiresAt: number): Promise<boolean>;
}

/** One process's memory of accepted nonces, each forgotten once it would have expired anyway. */
export class MemoryNonceRegistry implements NonceRegistry {
  private readonly seen = new Map<string, number>();
  private nextPurge = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async claim(nonce: string, expiresAt: number): Promise<boolean> {
    this.purge(this.now());
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, expiresAt);
    return true;
  }

  private purge(now: number): void {
    if (now < this.nextPurge) return;
    this.nextPurge = now + 1_000;
    for (const [nonce, expiresAt] of this.seen) if (expiresAt < now) this.seen.delete(nonce);
  }
}

/**
 * Why a product refused a signature, sent back in the error envelope as
 * `extensions.reason` (PROTOCOL.md 4) so the gateway can log and count it:
 * - `missing`: no signature (SIGNATURE_MISSING)
 * - `malformed`: the header does not match the protocol's form (SIGNATURE_INVALID)
 * - `protocol-version`: signed with another protocol version (SIGNATURE_INVALID)
 * - `unknown-key`: signed with a key id the product does not hold (SIGNATURE_INVALID)
 * - `mismatch`: the HMAC does not match this request for this product (SIGNATURE_INVALID)
 * - `expired`: outside the clock skew window (SIGNATURE_EXPIRED)
 * - `replayed`: the nonce was used before (SIGNATURE_REPLAYED)
 */
export const SIGNATURE_REFUSAL_REASONS = ['missing', 'malformed', 'protocol-version', 'unknown-key', 'mismatch', 'expired', 'replayed'] as const;
export type SignatureRefusalReason = (typeof SIGNATURE_REFUSAL_REASONS)[number];

/**
 * Keys that can change while the product runs: fetched from a registry, or read from a key
 * file. `refresh` is asked when a request names a key id the product does not hold (the
 * platform rotated), and rate-limits itself, since anyone can send an unknown key id.
 */
export interface ProductKeySet {
  current(): readonly SigningKey[];
  refresh?(wantedKeyId: string): Promise<void>;
}

export interface SignatureVerifierOptions {
  product: string;
  /** Every key accepted, newest first: two during a rotation. Or a set that changes (registry, key file). */
  keys: readonly SigningKey[] | ProductKeySet;
  /** How far a signature's timestamp may be from now, either way. @default 60000 */
  maxSkewMs?: number;
  now?: () => number;
  /** Where accepted nonces are remembered. @default one process's memory */
  nonces?: NonceRegistry;
}

const HEADER_FORMAT = new RegExp(`^${SIGNATURE_VERSION};kid=([\\w-]{1,64});ts=(\\d{1,16});nonce=([\\w-]{16,64});sig=([\\w-]{43})$`);

/**
 * The product side of signed traffic: runs before Apollo Server sees the request, so no
 * resolver, loader or store query runs for a caller that is not the gateway. Checks, in
 * order: a signature is there (SIGNATURE_MISSING), it was made with one of the product's
 * keys over these very body bytes (SIGNATURE_INVALID), it is recent (SIGNATURE_EXPIRED)
 * and its nonce has not been seen (SIGNATURE_REPLAYED). The HMAC is checked before the
 * nonce is remembered, so forged requests cannot fill the nonce cache or burn real nonces.
 *
 * Nonces are remembered for the skew window only: older signatures are refused as expired
 * anyway. Where they are remembered is a {@link NonceRegistry}: per process by default,
 * shared (Redis) when a product runs as replicas.
 */
export class SignatureVerifier {
  private readonly keySet: ProductKeySet;
  private keysSeen: readonly SigningKey[] = [];
  private keysById = new Map<string, SigningKey>();
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly nonces: NonceRegistry;

  constructor(private readonly options: SignatureVerifierOptions) {
    const { keys } = options;
    this.keySet = isKeyList(keys) ? { current: () => keys } : keys;
    this.maxSkewMs = options.maxSkewMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.nonces = options.nonces ?? new MemoryNonceRegistry(this.now);
  }

  /**
   * Throws a {@link MeshError} that ends the request with 401 unless the request is the
   * gateway's. `body` is the request body exactly as read from the socket, before parsing.
   */
  async verify(headerValue: string | string[] | undefined, body: SignedBody): Promise<void> {
    if (headerValue === undefined || headerValue === '') {
      throw reject(MeshErrorCode.SIGNATURE_MISSING, 'missing', `Requests to data products must be signed by the gateway (${SIGNATURE_HEADER})`);
    }
    const value = Array.isArray(headerValue) ? headerValue.join(',') : headerValue;
    const match = HEADER_FORMAT.exec(value);
    if (!match) {
      // Named, so an operator mid-upgrade sees which side runs the old protocol.
      if (/^v\d+;/.test(value) && !value.startsWith(`${SIGNATURE_VERSION};`)) {
        throw reject(MeshErrorCode.SIGNATURE_INVALID, 'protocol-version', `Request signed with protocol ${value.slice(0, value.indexOf(';'))}; this product accepts ${SIGNATURE_VERSION} only`);
      }
      throw reject(MeshErrorCode.SIGNATURE_INVALID, 'malformed', 'Malformed request signature');
    }
    const [, keyId, ts, nonce, signature] = match as unknown as [string, string, string, string, string];
    let key = this.keyById(keyId);
    if (!key && this.keySet.refresh) {
      // The platform may have rotated: fetch the keys again (rate-limited by the set) and look once more.
      await this.keySet.refresh(keyId);
      key = this.keyById(keyId);
    }
    if (!key) throw reject(MeshErrorCode.SIGNATURE_INVALID, 'unknown-key', `Request signed with key ${keyId}, which this product does not hold`, keyId);
    const timestamp = Number(ts);
    const expected = computeSignature(key, { product: this.options.product, keyId, timestamp, nonce, bodyDigest: bodyDigest(body) });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw reject(MeshErrorCode.SIGNATURE_INVALID, 'mismatch', 'Request signature does not match the request', keyId);
    }
    const now = this.now();
    if (Math.abs(now - timestamp) > this.maxSkewMs) throw reject(MeshErrorCode.SIGNATURE_EXPIRED, 'expired', 'Request signature has expired', keyId);
    // Keyed by key id too: two products never share a key, so their nonces never collide.
    if (!(await this.nonces.claim(`${keyId}:${nonce}`, timestamp + this.maxSkewMs))) {
      throw reject(MeshErrorCode.SIGNATURE_REPLAYED, 'replayed', 'Request signature was already used', keyId);
    }
  }

  /** The accepted key with this id; the index is rebuilt only when the set hands out a new list. */
  private keyById(keyId: string): SigningKey | undefined {
    const keys = this.keySet.current();
    if (keys !== this.keysSeen) {
      this.keysSeen = keys;
      this.keysById = new Map(keys.map((key) => [key.id, key]));
    }
    return this.keysById.get(keyId);
  }
}

function isKeyList(keys: readonly SigningKey[] | ProductKeySet): keys is readonly SigningKey[] {
  return Array.isArray(keys);
}

/** A refusal that ends the request, with its reason (and the key id it named) for the gateway to log. */
function reject(code: MeshErrorCode, reason: SignatureRefusalReason, message: string, keyId?: string): MeshError {
  return new MeshError(code, message, { endsRequest: true, extensions: { reason, ...(keyId ? { keyId } : {}) } });
}
