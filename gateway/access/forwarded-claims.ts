import type { Principal } from './authentication.ts';

/** One claim of the caller the gateway tells products, as a request header. */
export interface ForwardedClaim {
  /** The header the product reads it from (lower case). */
  readonly header: string;
  /** The claim's value for this caller; undefined sends no header. */
  read(principal: Principal): string | undefined;
}

/**
 * Every caller claim that reaches a product: the ONE list. Empty: products are told nothing
 * about who asks (no token, no subject, no scopes), and access is decided at the gateway,
 * before planning. That is what lets callers with equal rights share an answer: two
 * requests that reach the products as the same operation with the same variables get the
 * same product answers, whoever sent them.
 *
 * The day a product needs to know the caller (identity propagation, row-level rules), the
 * claim is added HERE and nowhere else: the product fetch then sends it (the composition
 * root hands these functions to it), and the identity of a shared execution, a kept whole
 * answer, a shared product fetch and a kept product answer includes it, so callers whose
 * claims differ stop sharing at once. A claim sent any other way would let one caller's
 * answer reach another.
 */
export const FORWARDED_CLAIMS: readonly ForwardedClaim[] = [];

/** The forwarded claims' headers and values for `principal` (none for an unknown caller). */
export function forwardedClaims(principal: Principal | undefined, claims: readonly ForwardedClaim[] = FORWARDED_CLAIMS): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!principal) return headers;
  for (const claim of claims) {
    const value = claim.read(principal);
    if (value !== undefined) headers[claim.header] = value;
  }
  return headers;
}

/**
 * The forwarded claims as a key part: '' when nothing about the caller reaches a product
 * (today, always), so keys stay as short as the operation they name.
 */
export function forwardedClaimsKey(principal: Principal | undefined, claims: readonly ForwardedClaim[] = FORWARDED_CLAIMS): string {
  if (claims.length === 0) return '';
  return JSON.stringify(Object.entries(forwardedClaims(principal, claims)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
