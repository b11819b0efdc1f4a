import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { clientIdentity } from './client-identity.ts';
import type { SharedStateStore, TokenDecision } from '../shared-state/key-value-store.ts';

export interface RateLimitConfig {
  /** Burst size: requests a caller may send at once. */
  capacity: number;
  /** Sustained requests per second per caller. */
  refillPerSecond: number;
  /**
   * Who a bucket belongs to. `ip` cannot be chosen by the caller; `client` trusts the
   * `apollographql-client-name` header; `principal` keys on the bearer token (a hash, never the token).
   */
  by: 'ip' | 'client' | 'principal';
}

/** The bucket a request draws from. Falls back to the IP when the chosen identity is absent. */
export function rateLimitKey(req: IncomingMessage, by: RateLimitConfig['by']): string {
  const ip = req.socket.remoteAddress ?? 'unknown';
  if (by === 'client') {
    const client = clientIdentity(req.headers).name;
    if (client) return `client:${client.slice(0, 100)}`;
  }
  if (by === 'principal') {
    const authorization = req.headers.authorization;
    if (authorization) return `principal:${createHash('sha256').update(authorization).digest('hex').slice(0, 32)}`;
  }
  return `ip:${ip}`;
}

/** Takes a token for this request from the bucket shared by every replica. */
export function takeRateLimitToken(store: SharedStateStore, config: RateLimitConfig, req: IncomingMessage): Promise<TokenDecision> {
  return store.takeToken(`ratelimit:${rateLimitKey(req, config.by)}`, config);
}
