import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { GatewayConfig } from '../config.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { RecencyMap } from '../primitives/recency-map.ts';
import { clientIdentity, type ClientIdentity } from '../primitives/client-identity.ts';

/** Who is asking. Built once per request, before any plugin runs, and read by the access rules. */
export interface Principal {
  /** `false` for an anonymous caller (no bearer token, anonymous access allowed). */
  readonly authenticated: boolean;
  /** The token's `sub`. */
  readonly subject: string | null;
  /** From the `scope` claim (space-separated, OAuth 2) or a `scopes` array. */
  readonly scopes: ReadonlySet<string>;
  /** What app asks, for policies and usage (see `clientIdentity`). */
  readonly client: ClientIdentity;
  /**
   * The application a verified token names in the configured claim (`agreements.applicationClaim`):
   * what access agreements are matched on. Never read from a header the caller chooses; absent
   * for an anonymous caller or a token without the claim.
   */
  readonly application?: string;
}

export type Authenticate = (headers: Record<string, string>) => Promise<Principal>;

/**
 * Verifies JWT bearer tokens with `jose` against a JWKS URL or a static public key, with
 * issuer and audience checks. A token must say when it expires (`exp`) and when it was
 * issued (`iat`), and is refused once it is older than `auth.maxTokenAgeSeconds`: a token
 * without `exp` would otherwise be a password that never expires, and one an identity
 * provider issued for a year would outlive every revocation the provider can make. A request with no token is anonymous when that is allowed
 * and refused with UNAUTHENTICATED otherwise; a request with a bad token is always refused
 * (it is never quietly served as anonymous: that would hide a client's broken login).
 *
 * Runs while Apollo Server builds the request context, so a refusal ends the request
 * before parsing and the principal is there for every plugin.
 */
/**
 * A production gateway that can verify no token and serves no anonymous caller would say
 * ready and then refuse every request: refused at start instead, with one line.
 */
export function assertCallersCanBeServed(config: Pick<GatewayConfig, 'mode' | 'auth'>): void {
  const { auth } = config;
  if (config.mode === 'production' && !auth.jwksUrl && !auth.publicKey && !auth.allowAnonymous) {
    throw new MeshError(
      MeshErrorCode.AUTH_NOT_CONFIGURED,
      'this production gateway can verify no bearer token and serves no anonymous caller, so it would refuse every request: set auth.jwksUrl (or auth.publicKey) with auth.issuer and auth.audience, or auth.allowAnonymous: true',
    );
  }
}

type Jose = typeof import('jose');

export function createAuthenticator(auth: GatewayConfig['auth'], options: { applicationClaim?: string } = {}): Authenticate {
  const staticKey = auth.publicKey ? createPublicKey(auth.publicKey) : undefined;
  // jose (46 modules, half a MB held for the process's life) loads with the first token: a
  // gateway whose callers send none never loads it. The JWKS set is made once, with it.
  // The JWKS address is read now, so a bad one stops the start rather than the first token.
  const jwksUrl = auth.jwksUrl ? new URL(auth.jwksUrl) : undefined;
  let verifier: Promise<{ jose: Jose; key: KeyObject | ReturnType<Jose['createRemoteJWKSet']> }> | undefined;
  const verifierOf = () =>
    (verifier ??= import('jose').then(
      (jose) => ({ jose, key: jwksUrl ? jose.createRemoteJWKSet(jwksUrl) : staticKey! }),
      (error: unknown) => {
        // Not kept: the next token tries again (an installation being repaired need not restart).
        verifier = undefined;
        throw new MeshError(MeshErrorCode.INTERNAL_SERVER_ERROR, `The token verifier could not be loaded (jose: ${(error as Error).message})`, { endsRequest: true });
      },
    ));
  const hasKey = Boolean(auth.jwksUrl || staticKey);
  const verified = new VerifiedTokens();
  return async (headers) => {
    const client = clientIdentity(headers);
    const authorization = headers.authorization ?? '';
    const refuse = (message: string) => new MeshError(MeshErrorCode.UNAUTHENTICATED, message, { endsRequest: true });
    if (!authorization) {
      if (!auth.allowAnonymous) throw refuse('A bearer token is required');
      return anonymousPrincipal(headers);
    }
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) throw refuse('The Authorization header must be "Bearer <token>"');
    if (!hasKey) throw refuse('This gateway has no token key configured (auth.jwksUrl or auth.publicKey)');
    const remembered = verified.get(token);
    if (remembered && Date.now() < remembered.until) return principalOf(remembered.payload, client, options.applicationClaim);
    const { jose, key } = await verifierOf();
    let payload: JWTPayload;
    try {
      const options = { issuer: auth.issuer, audience: auth.audience, algorithms: auth.algorithms, requiredClaims: ['exp', 'iat'] };
      // Two calls because jwtVerify's overloads do not accept the union of key kinds.
      payload = (typeof key === 'function' ? await jose.jwtVerify(token, key, options) : await jose.jwtVerify(token, key, options)).payload;
    } catch (error) {
      throw refuse(describeTokenError(error, jose.errors));
    }
    const ageProblem = describeTokenAge(payload.iat!, auth.maxTokenAgeSeconds);
    if (ageProblem) throw refuse(ageProblem);
    verified.remember(token, payload, auth.maxTokenAgeSeconds);
    return principalOf(payload, client, options.applicationClaim);
  };
}

/** A caller without a token: no identity, no scope. */
export function anonymousPrincipal(headers: Record<string, string>): Principal {
  return { authenticated: false, subject: null, scopes: new Set(), client: clientIdentity(headers) };
}

function principalOf(payload: JWTPayload, client: Principal['client'], applicationClaim: string | undefined): Principal {
  const application = applicationClaim === undefined ? undefined : payload[applicationClaim];
  // Only a non-empty string names an application: a number, list or object claim names none.
  const named = typeof application === 'string' && application.length > 0 && application.length <= 200 ? { application } : {};
  return { authenticated: true, subject: payload.sub ?? null, scopes: scopesOf(payload), client, ...named };
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

  /** `payload` has passed every check, so `exp` and `iat` are numbers. */
  remember(token: string, payload: JWTPayload, maxTokenAgeSeconds: number): void {
    const until = Math.min(Date.now() + VerifiedTokens.MAX_AGE_MS, payload.exp! * 1000, (payload.iat! + maxTokenAgeSeconds) * 1000);
    this.entries.set(token, { payload, until });
  }
}

/**
 * Skew allowed between the identity provider's clock and ours for `iat`: a token issued a
 * moment ago by a provider whose clock runs ahead is not refused. Our own check rather
 * than jose's `maxTokenAge` with a clock tolerance, which would loosen `exp` by as much.
 */
const ISSUED_AT_SKEW_SECONDS = 60;

/** Why a token's `iat` is not accepted, or undefined when it is. */
function describeTokenAge(issuedAt: number, maxTokenAgeSeconds: number): string | undefined {
  const age = Date.now() / 1000 - issuedAt;
  if (age > maxTokenAgeSeconds) return `The bearer token was issued more than ${maxTokenAgeSeconds} s ago; get a new one`;
  // A token dated in the future would stay younger than the maximum age for that long.
  if (age < -ISSUED_AT_SKEW_SECONDS) return 'The bearer token\'s "iat" claim is in the future';
  return undefined;
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') for (const scope of payload.scope.split(' ')) if (scope) scopes.add(scope);
  if (Array.isArray(payload.scopes)) for (const scope of payload.scopes) if (typeof scope === 'string') scopes.add(scope);
  return scopes;
}

/** Tells the client what is wrong with its token without echoing the token or our keys. */
function describeTokenError(error: unknown, joseErrors: Jose['errors']): string {
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') return `The bearer token has no "${error.claim}" claim`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The bearer token's "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The bearer token is not signed by a trusted key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The bearer token's algorithm is not accepted";
  return 'The bearer token is not valid';
}
