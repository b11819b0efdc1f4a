import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../gateway/access/authentication.ts';
import { FORWARDED_CLAIMS, forwardedClaims, forwardedClaimsKey, type ForwardedClaim } from '../../../gateway/access/forwarded-claims.ts';

/**
 * The one list of caller claims that reach products. Today it is empty, so answers are
 * shared by rights alone; the day a claim is added, callers whose claim differs must stop
 * sharing. The second half checks that with a list of its own.
 */
const principal = (subject: string, scopes: string[]): Principal => ({ authenticated: true, subject, scopes: new Set(scopes), client: { name: null, version: null } });

describe('forwarded claims', () => {
  it('are none today: nothing about the caller reaches a product, and the key part is empty', () => {
    expect(FORWARDED_CLAIMS).toEqual([]);
    expect(forwardedClaims(principal('alice', ['finance:read']))).toEqual({});
    expect(forwardedClaimsKey(principal('alice', ['finance:read']))).toBe('');
  });

  it('once a claim is listed, it is sent as its header and splits the key by its value only', () => {
    const subject: ForwardedClaim = { header: 'x-caller-subject', read: (p) => p.subject ?? undefined };
    expect(forwardedClaims(principal('alice', []), [subject])).toEqual({ 'x-caller-subject': 'alice' });
    expect(forwardedClaims(undefined, [subject])).toEqual({});
    const key = (p: Principal) => forwardedClaimsKey(p, [subject]);
    expect(key(principal('alice', ['finance:read']))).toBe(key(principal('alice', ['pii:read'])));
    expect(key(principal('alice', []))).not.toBe(key(principal('bob', [])));
    expect(key(principal('alice', []))).not.toBe('');
  });
});
