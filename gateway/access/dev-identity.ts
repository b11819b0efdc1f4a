import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/**
 * A development identity provider in a file, so `npm start` can hand a developer a token
 * for Sandbox: the demo's restricted and confidential fields need scopes, and an anonymous
 * developer would see only `FORBIDDEN_FIELD`. The key is generated on first use under
 * `.meshgate/` (gitignored) and is refused in production.
 */
export const DEV_IDENTITY_FILE = join('.meshgate', 'dev-identity.json');
export const DEV_ISSUER = 'https://meshgate.dev/';
export const DEV_AUDIENCE = 'meshgate';
/** Every scope the demo mesh's rules ask for. */
export const DEV_ANALYST_SCOPES = 'pii:read finance:read';

interface StoredIdentity {
  privateJwk: JWK;
  publicKeyPem: string;
}

async function loadOrCreate(file: string): Promise<StoredIdentity> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredIdentity;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const identity: StoredIdentity = { privateJwk: await exportJWK(privateKey), publicKeyPem: await exportSPKI(publicKey) };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(identity), { mode: 0o600 });
  return identity;
}

/** The `auth` config that trusts the development identity (anonymous access stays allowed). */
export async function devAuthConfig(mode: 'development' | 'production', file = DEV_IDENTITY_FILE) {
  if (mode === 'production') throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'auth', ['the development identity is refused in production: configure auth.jwksUrl or auth.publicKey']);
  const identity = await loadOrCreate(file);
  return { publicKey: identity.publicKeyPem, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, allowAnonymous: true };
}

/**
 * A token from the development identity, valid for `hours`. It carries `iat` and `exp`,
 * which the gateway requires of every token.
 */
export async function mintDevToken(options: { subject?: string; scopes?: string; hours?: number; file?: string } = {}): Promise<string> {
  const identity = await loadOrCreate(options.file ?? DEV_IDENTITY_FILE);
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
