import { createHash, createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod';
import { meshgateHome, readOrCreateFile } from './dev-home.ts';
import { ConfigError, MeshErrorCode } from './error-codes.ts';

/**
 * The keys that sign gateway-to-product traffic: one HMAC key (or two, during a rotation)
 * per product, so a product holds only what verifies requests addressed to itself and
 * nothing that signs requests to another product.
 *
 * The gateway signs; it loads every product's keys (`loadSigningKeyring`):
 *
 * 1. `MESHGATE_SIGNING_KEYS`: JSON, product name to its keys, newest first:
 *    `{"sales": ["<new secret>", "<old secret>"], "catalog": ["..."]}`.
 * 2. `MESHGATE_SIGNING_SECRET`: one mesh secret (or `new,old` during a change) from which
 *    each product's key is derived with HMAC. Held by the platform (registry, gateways); in
 *    the single-repository mode the products hold it too, and then any of them could sign
 *    for all the others.
 * 3. A registry (the gateway's `openProductSigner`): the gateway's registry token
 *    fetches each product's keys, derived from the registry's own secret.
 * 4. Development only: the same derivation from the user's development secret
 *    (`$MESHGATE_HOME/signing-secret`, see `meshgateHome`), generated at random on first use,
 *    so every local command agrees wherever it runs. Production refuses it.
 *
 * A product loads only its own keys (the kit's `loadProductKeys`): given to it
 * (`MESHGATE_PRODUCT_KEY`, a key file) or fetched from the registry with its own token.
 *
 * Rotation: list the new key first and keep the old one. Products accept every listed key;
 * the gateway signs with the first. A product fed by a registry fetches its keys again when
 * a request names a key id it does not hold, so the registry's rotation fails no request.
 */

/** One HMAC key. The id is a fingerprint of the key, so both sides compute the same id. */
export interface SigningKey {
  readonly id: string;
  readonly secret: Buffer;
}

export interface SigningKeyring {
  /** Where the keys came from, for start-up logs. */
  readonly source: 'MESHGATE_SIGNING_KEYS' | 'MESHGATE_SIGNING_SECRET' | 'dev-identity';
  /** The product's keys, newest (the signing key) first. Throws CONFIG_INVALID when there are none. */
  keysFor(product: string): readonly SigningKey[];
}

/** The development secret's file under the user's meshgate home. */
export function devSecretFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(meshgateHome(env), 'signing-secret');
}

const keysEnvSchema = z.record(z.string().min(1), z.array(z.string().min(16, 'a signing key needs at least 16 characters')).min(1));

export function signingKey(secret: string | Buffer): SigningKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 12), secret: bytes };
}

/** A product's key derived from a mesh secret: knowing one product's key reveals no other. */
export function deriveProductKey(meshSecret: string, product: string): SigningKey {
  return signingKey(createHmac('sha256', meshSecret).update(`meshgate/v1/signing/${product}`).digest());
}

/** A key as text, the way a product is handed it (`MESHGATE_PRODUCT_KEY`, the registry): base64url of its bytes, no padding. */
export function encodeSigningKey(key: SigningKey): string {
  return key.secret.toString('base64url');
}

const KEY_TEXT = /^[A-Za-z0-9_-]{22,512}$/;

/**
 * Keys given as text (`MESHGATE_PRODUCT_KEY`, a key file): base64url keys separated by commas
 * or white space, newest first, each at least 16 bytes. `source` names where they came from.
 */
export function parseSigningKeyText(text: string, source: string): SigningKey[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  // Never echo a value: it is a secret. Say which one and why.
  const problems = parts.flatMap((part, index) => (KEY_TEXT.test(part) ? [] : [`key ${index + 1}: must be base64url of at least 16 bytes (as the registry hands keys out)`]));
  if (parts.length === 0) problems.push('no key: expected base64url keys, newest first, separated by commas');
  if (problems.length) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, problems);
  return parts.map((part) => signingKey(Buffer.from(part, 'base64url')));
}

/** The mesh secrets of `MESHGATE_SIGNING_SECRET` (`new,old` during a change), or undefined when it is not set. */
export function meshSecretsFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  if (!env.MESHGATE_SIGNING_SECRET) return undefined;
  const secrets = env.MESHGATE_SIGNING_SECRET.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0 || secrets.some((s) => s.length < 16)) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_SIGNING_SECRET', ['each comma-separated secret needs at least 16 characters']);
  }
  return secrets;
}

/** The user's development secret, created on first use. Refused in production. */
export function devSigningSecret(env: NodeJS.ProcessEnv = process.env): string {
  return readOrCreateFile(devSecretFile(env), () => randomBytes(32).toString('base64url')).trim();
}

/** The keys of product `product` derived from mesh secrets, newest first. */
export function deriveProductKeys(secrets: readonly string[], product: string): SigningKey[] {
  return secrets.map((secret) => deriveProductKey(secret, product));
}

/**
 * A static keyring: `MESHGATE_SIGNING_KEYS`, `MESHGATE_SIGNING_SECRET`, or else the user's
 * development secret. In production without either variable: CONFIG_INVALID.
 */
export function loadSigningKeyring(options: { env?: NodeJS.ProcessEnv; mode?: 'development' | 'production' } = {}): SigningKeyring {
  const env = options.env ?? process.env;
  const mode = options.mode ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  const configured = configuredSigningKeyring(env);
  if (configured) return configured;
  if (mode === 'production') {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'environment', [
      'MESHGATE_SIGNING_KEYS or MESHGATE_SIGNING_SECRET must be set in production (or serve from a registry, which hands out the keys): products accept only signed requests',
    ]);
  }
  return derivedKeyring([devSigningSecret(env)], 'dev-identity');
}

/** The keyring of `MESHGATE_SIGNING_KEYS` or `MESHGATE_SIGNING_SECRET`, or undefined when neither is set. */
export function configuredSigningKeyring(env: NodeJS.ProcessEnv = process.env): SigningKeyring | undefined {
  if (env.MESHGATE_SIGNING_KEYS) {
    const byProduct = parseKeysEnv(env.MESHGATE_SIGNING_KEYS);
    return {
      source: 'MESHGATE_SIGNING_KEYS',
      keysFor(product) {
        const keys = byProduct.get(product);
        if (!keys) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_SIGNING_KEYS', [`${product}: no signing key for this product`]);
        return keys;
      },
    };
  }
  const secrets = meshSecretsFromEnv(env);
  return secrets ? derivedKeyring(secrets, 'MESHGATE_SIGNING_SECRET') : undefined;
}

function derivedKeyring(secrets: readonly string[], source: SigningKeyring['source']): SigningKeyring {
  const cache = new Map<string, SigningKey[]>();
  return {
    source,
    keysFor(product) {
      let keys = cache.get(product);
      if (!keys) {
        keys = deriveProductKeys(secrets, product);
        cache.set(product, keys);
      }
      return keys;
    },
  };
}

function parseKeysEnv(text: string): Map<string, SigningKey[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_SIGNING_KEYS', ['must be JSON such as {"sales": ["<secret>"]}']);
  }
  const result = keysEnvSchema.safeParse(raw);
  // Never echo the value: it is a secret.
  if (!result.success)
    throw new ConfigError(
      MeshErrorCode.CONFIG_INVALID,
      'MESHGATE_SIGNING_KEYS',
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  return new Map(Object.entries(result.data).map(([product, secrets]) => [product, secrets.map((secret) => signingKey(secret))]));
}
