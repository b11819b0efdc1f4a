import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { GatewayConfig } from '../config.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { RecencyMap } from '../cache/recency-map.ts';
import { clientIdentity, type ClientIdentity } from '../http/client-identity.ts';

/** Who is asking. Built once per request, before any plugin runs, and read by the access rules. */
export interface Principal {
  /** `false` for an anonymous caller (no bearer token, anonymous access allowed). */
  readonly authenticated: boolean;
  /** The token's `sub`. */
  readonly subject: string | null;
  /** From the `scope` claim (space-separated, OAuth 2) or a `scopes` array. */
  readonly scopes: ReadonlySet<string>;
  /** What app asks, for policies and usage (see client-identity.ts). */
  readonly client: ClientIdentity;
}

export type Authenticate = (headers: Record<string, string>) => Promise<Principal>;

/**
 * Verifies JWT bearer tokens with `jose` against a JWKS URL or a static public key, with
 * issuer and audience checks. A request with no token is anonymous when that is allowed
 * and refused with UNAUTHENTICATED otherwise; a request with a bad token is always refused
 * (it is never quietly served as anonymous: that would hide a client's broken login).
 *
 * Runs while Apollo Server builds the request context, so a refusal ends the request
 * before parsing and the principal is there for every plugin.
 */
export function createAuthenticator(auth: GatewayConfig['auth']): Authenticate {
  const key: KeyObject | ReturnType<typeof createRemoteJWKSet> | undefined = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl))
    : auth.publicKey
      ? createPublicKey(auth.publicKey)
      : undefined;
  const verified = new VerifiedTokens();
  return async (headers) => {
    const client = clientIdentity(headers);
    const authorization = headers.authorization ?? '';
    const refuse = (message: string) => new MeshError(MeshErrorCode.UNAUTHENTICATED, message, { endsRequest: true });
    if (!authorization) {
      if (!auth.allowAnonymous) throw refuse('A bearer token is required');
      return { authenticated: false, subject: null, scopes: new Set(), client };
    }
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) throw refuse('The Authorization header must be "Bearer <token>"');
    if (!key) throw refuse('This gateway has no token key configured (auth.jwksUrl or auth.publicKey)');
    const remembered = verified.get(token);
    if (remembered && Date.now() < remembered.until) return principalOf(remembered.payload, client);
    let payload: JWTPayload;
    try {
      const options = { issuer: auth.issuer, audience: auth.audience, algorithms: auth.algorithms };
      // Two calls because jwtVerify's overloads do not accept the union of key kinds.
      payload = (typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
    } catch (error) {
      throw refuse(describeTokenError(error));
    }
    verified.remember(token, payload);
    return principalOf(payload, client);
  };
}

function principalOf(payload: JWTPayload, client: Principal['client']): Principal {
  return { authenticated: true, subject: payload.sub ?? null, scopes: scopesOf(payload), client };
}

/**
 * Tokens already verified, so a client sending the same token on every request pays for
 * one signature check a minute instead of one per request. An entry lasts until the token
 * expires or for a minute, whichever is sooner (a key removed from the JWKS stops being
 * trusted within that minute); only tokens that passed every check are kept.
 */
class VerifiedTokens {
  private static readonly MAX_AGE_MS = 60_000;
  private readonly entries = new RecencyMap<string, { payload: JWTPayload; until: number }>(10_000);

  get(token: string): { payload: JWTPayload; until: number } | undefined {
    return this.entries.peek(token);
  }

  remember(token: string, payload: JWTPayload): void {
    const until = Math.min(Date.now() + VerifiedTokens.MAX_AGE_MS, typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity);
    this.entries.set(token, { payload, until });
  }
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') for (const scope of payload.scope.split(' ')) if (scope) scopes.add(scope);
  if (Array.isArray(payload.scopes)) for (const scope of payload.scopes) if (typeof scope === 'string') scopes.add(scope);
  return scopes;
}

/** Tells the client what is wrong with its token without echoing the token or our keys. */
function describeTokenError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The bearer token's "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The bearer token is not signed by a trusted key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The bearer token's algorithm is not accepted";
  return 'The bearer token is not valid';
}
