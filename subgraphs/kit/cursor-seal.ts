import { createHmac, timingSafeEqual } from 'node:crypto';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { ProductKeySet } from '../../schema/protocol/signature-verifier.ts';
import type { SigningKey } from '../../schema/protocol/signing-keys.ts';

/**
 * Opaque, tamper-evident page cursors. A cursor names the last row of a page by its key,
 * and a key is a value of the data (a customer id). Left readable, a caller could write
 * its own: `after` = some id, `first: 1`, under a filter on a field they may not read,
 * answers "which is the next customer in DE after C00011?", which maps that field for
 * every row. So every cursor is sealed with an HMAC over the key *and* the query it came
 * from (the list's filtered statement and its parameters): a cursor made by hand, or taken
 * from one filter and replayed under another, is refused with INVALID_CURSOR, never decoded.
 *
 * The MAC key is derived from the product's signing keys, so every replica of a product
 * opens the cursors of the others, and cursors stay valid while a rotation keeps the
 * older key.
 */
export class CursorSeal {
  private readonly keySet: ProductKeySet;
  private derivedFrom: readonly SigningKey[] | undefined;
  private derived: readonly Buffer[] = [];

  /** `signingKeys` may change while the product runs (fetched from a registry): the MAC keys follow them. */
  constructor(signingKeys: readonly SigningKey[] | ProductKeySet) {
    this.keySet = Array.isArray(signingKeys) ? { current: () => signingKeys as readonly SigningKey[] } : (signingKeys as ProductKeySet);
    if (this.macKeys.length === 0) throw new TypeError('CursorSeal: at least one signing key is required to seal cursors');
  }

  private get macKeys(): readonly Buffer[] {
    const keys = this.keySet.current();
    if (keys !== this.derivedFrom) {
      this.derivedFrom = keys;
      this.derived = keys.map((key) => createHmac('sha256', key.secret).update('meshgate page cursor v1').digest());
    }
    return this.derived;
  }

  /** A cursor for the row keyed `key` of the list answered by `scope`. */
  seal(key: string, scope: string): string {
    const payload = Buffer.from(key, 'utf8').toString('base64url');
    return `${payload}.${mac(this.macKeys[0]!, payload, scope)}`;
  }

  /** The row key inside `cursor`, or INVALID_CURSOR when this product did not make it for `scope`. */
  open(cursor: string, scope: string): string {
    const dot = cursor.lastIndexOf('.');
    const payload = cursor.slice(0, dot);
    const tag = Buffer.from(cursor.slice(dot + 1));
    // Bounded before any work: a key is an id, not a document.
    if (dot <= 0 || cursor.length > 300) throw invalidCursor();
    const valid = this.macKeys.some((macKey) => {
      const expected = Buffer.from(mac(macKey, payload, scope));
      return expected.length === tag.length && timingSafeEqual(expected, tag);
    });
    if (!valid) throw invalidCursor();
    return Buffer.from(payload, 'base64url').toString('utf8');
  }
}

function mac(macKey: Buffer, payload: string, scope: string): string {
  // 128 bits: forging one needs 2^128 tries against a product that answers each one.
  return createHmac('sha256', macKey).update(scope).update('\u0000').update(payload).digest().subarray(0, 16).toString('base64url');
}

function invalidCursor(): MeshError {
  return new MeshError(MeshErrorCode.INVALID_CURSOR, 'The "after" cursor is not one this field returned');
}
