import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { meshgateHome, readOrCreateFile } from '../../schema/protocol/dev-home.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * A development identity provider in a file, so a developer has a token for the explorer:
 * the demo's restricted and confidential fields need scopes, and an anonymous developer
 * would see only `FORBIDDEN_FIELD`. The key is generated on first use in the user's meshgate
 * home (`$MESHGATE_HOME`, see `meshgateHome`), one per user rather than per
 * folder, so `meshgate token` run anywhere mints what `start`, `serve` and `dev` trust. It
 * is refused in production.
 */
function devIdentityFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(meshgateHome(env), 'dev-identity.json');
}
export const DEV_ISSUER = 'https://meshgate.dev/';
const DEV_AUDIENCE = 'meshgate';
/** Every scope the demo mesh's rules ask for. */
export const DEV_ANALYST_SCOPES = 'pii:read finance:read';

interface StoredIdentity {
  privateJwk: JWK;
  publicKeyPem: string;
}

/** Created once, however many commands start at the same moment (see readOrCreateFile). */
function loadOrCreate(file: string): StoredIdentity {
  return JSON.parse(
    readOrCreateFile(file, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const identity: StoredIdentity = { privateJwk: privateKey.export({ format: 'jwk' }) as JWK, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
      return JSON.stringify(identity);
    }),
  ) as StoredIdentity;
}

/** The `auth` config that trusts the development identity (anonymous access stays allowed). */
export async function devAuthConfig(mode: 'development' | 'production', file = devIdentityFile()) {
  if (mode === 'production') throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'auth', ['the development identity is refused in production: configure auth.jwksUrl or auth.publicKey']);
  const identity = loadOrCreate(file);
  return { publicKey: identity.publicKeyPem, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, allowAnonymous: true };
}

/**
 * A token from the development identity, valid for `hours`. It carries `iat` and `exp`,
 * which the gateway requires of every token.
 */
export async function mintDevToken(options: { subject?: string; scopes?: string; hours?: number; file?: string } = {}): Promise<string> {
  const identity = loadOrCreate(options.file ?? devIdentityFile());
  // Loaded here: the gateway imports this module to trust the key, and signs nothing.
  const { importJWK, SignJWT } = await import('jose');
  const key = await importJWK(identity.privateJwk, 'ES256');
  return new SignJWT({ scope: options.scopes ?? DEV_ANALYST_SCOPES })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(options.subject ?? 'developer@localhost')
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.hours ?? 12}h`)
    .sign(key);
}

/**
 * The gateway's `auth` with the development identity trusted, when it runs in development
 * and trusts no other token key, so a token from `meshgate token` works against `serve`,
 * `dev` and a registry-fed gateway alike. Whether anonymous callers are served stays the
 * config's choice. A production gateway is returned unchanged: it never trusts this key.
 */
export async function withDevIdentity<C extends { mode: 'development' | 'production'; auth: { jwksUrl?: string; publicKey?: string; issuer?: string; audience?: string } }>(config: C): Promise<C> {
  if (config.mode !== 'development' || config.auth.jwksUrl || config.auth.publicKey) return config;
  const { publicKey, issuer, audience } = await devAuthConfig(config.mode);
  return { ...config, auth: { ...config.auth, publicKey, issuer, audience } };
}
