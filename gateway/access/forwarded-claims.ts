import type { Principal } from './authentication.ts';

/** One claim of the caller the gateway tells products, as a request header. */
export interface ForwardedClaim {
  /** The header the product reads it from (lower case). */
  readonly header: string;
  /** The claim's value for this caller; undefined sends no header. */
  read(principal: Principal): string | undefined;
}

/**
 * Every caller claim that reaches a product: the ONE list, empty today (products are told
 * nothing about who asks). A claim is added here and nowhere else: every sharing key includes
 * this list, so a claim sent any other way would let one caller's answer reach another. The
 * life-cycle document ("What callers share") says why.
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
