import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../access/authentication.ts';
import { clientIdentity } from '../primitives/client-identity.ts';
import type { SharedStateStore, TokenDecision } from '../shared-state/key-value-store.ts';

export interface RateLimitConfig {
  /** Burst size: requests a caller may send at once. */
  capacity: number;
  /** Sustained requests per second per caller. */
  refillPerSecond: number;
  /**
   * Who a bucket belongs to. `ip` cannot be chosen by the caller; `client` trusts the
   * `apollographql-client-name` header (a per-app budget among cooperating apps, not an
   * abuse control: any caller can name another app); `principal` keys on who the verified
   * bearer token says the caller is (its `sub`, hashed), never on the header's text.
   */
  by: 'ip' | 'client' | 'principal';
}

/**
 * Who the request's token verifiably speaks for, or undefined when nobody is: no token, or
 * a token the gateway refuses (the route then refuses it with UNAUTHENTICATED).
 */
export type VerifiedPrincipal = (req: IncomingMessage) => Promise<Principal | undefined>;

/**
 * The bucket a request draws from. Falls back to the peer address when the chosen identity
 * is absent. With `principal`, a request whose token is missing, malformed, forged or
 * expired draws from its address's bucket: were the header's text the key, every spelling
 * of one token (`bearer`, two spaces, a tab) and every garbage token would be a fresh bucket.
 */
async function rateLimitKey(req: IncomingMessage, by: RateLimitConfig['by'], verifiedPrincipal: VerifiedPrincipal): Promise<string> {
  const ip = req.socket.remoteAddress ?? 'unknown';
  if (by === 'client') {
    const client = clientIdentity(req.headers).name;
    if (client) return `client:${client.slice(0, 100)}`;
  }
  if (by === 'principal') {
    const subject = (await verifiedPrincipal(req))?.subject;
    if (subject) return `principal:${createHash('sha256').update(subject).digest('hex').slice(0, 32)}`;
  }
  return `ip:${ip}`;
}

/** Takes a token for this request from the bucket shared by every replica. */
export async function takeRateLimitToken(store: SharedStateStore, config: RateLimitConfig, req: IncomingMessage, verifiedPrincipal: VerifiedPrincipal): Promise<TokenDecision> {
  return store.takeToken(`ratelimit:${await rateLimitKey(req, config.by, verifiedPrincipal)}`, config);
}
