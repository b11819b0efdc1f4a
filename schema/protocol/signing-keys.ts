import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError, MeshErrorCode } from './error-codes.ts';

/**
 * The keys that sign gateway-to-product traffic. Both sides load them the same way, so
 * the gateway and every product agree without a handshake:
 *
 * 1. `MESHGATE_SIGNING_KEYS`: JSON, product name to its keys, newest first:
 *    `{"sales": ["<new secret>", "<old secret>"], "catalog": ["..."]}`. A product is given
 *    only its own entry; the gateway gets all of them. This is the production path.
 * 2. `MESHGATE_SIGNING_SECRET`: one mesh secret (or `new,old` during a change) from which
 *    each product's key is derived with HMAC, so one secret serves a small deployment.
 * 3. Development only: the same derivation from `.meshgate/signing-secret`, generated at
 *    random on first use. `npm start` and the test harness both take this path, which is
 *    why neither needs any setup. Production refuses to generate a secret.
 *
 * Rotation: list the new key first and keep the old one. Products accept every listed key;
 * the gateway signs with the first. Roll the products, then the gateway, then drop the
 * old key.
 */

/** One HMAC key. The id is a fingerprint of the key, so both sides compute the same id. */
export interface SigningKey {
  readonly id: string;
  readonly secret: Buffer;
}

export interface SigningKeyring {
  /** Where the keys came from, for start-up logs. */
  readonly source: 'MESHGATE_SIGNING_KEYS' | 'MESHGATE_SIGNING_SECRET' | 'dev-secret';
  /** The product's keys, newest (the signing key) first. Throws CONFIG_INVALID when there are none. */
  keysFor(product: string): readonly SigningKey[];
}

export const DEV_SECRET_FILE = join('.meshgate', 'signing-secret');

const keysEnvSchema = z.record(z.string().min(1), z.array(z.string().min(16, 'a signing key needs at least 16 characters')).min(1));

export function signingKey(secret: string | Buffer): SigningKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 12), secret: bytes };
}

/** A product's key derived from a mesh secret: knowing one product's key reveals no other. */
export function deriveProductKey(meshSecret: string, product: string): SigningKey {
  return signingKey(createHmac('sha256', meshSecret).update(`meshgate/v1/signing/${product}`).digest());
}

export function loadSigningKeyring(options: { env?: NodeJS.ProcessEnv; mode?: 'development' | 'production'; devSecretFile?: string } = {}): SigningKeyring {
  const env = options.env ?? process.env;
  const mode = options.mode ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
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
  let secrets: string[];
  let source: SigningKeyring['source'];
  if (env.MESHGATE_SIGNING_SECRET) {
    secrets = env.MESHGATE_SIGNING_SECRET.split(',').map((s) => s.trim()).filter(Boolean);
    source = 'MESHGATE_SIGNING_SECRET';
    const short = secrets.filter((s) => s.length < 16);
    if (short.length || secrets.length === 0) {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_SIGNING_SECRET', ['each comma-separated secret needs at least 16 characters']);
    }
  } else {
    if (mode === 'production') {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'environment', [
        'MESHGATE_SIGNING_KEYS or MESHGATE_SIGNING_SECRET must be set in production: products accept only signed requests',
      ]);
    }
    secrets = [readOrCreateDevSecret(options.devSecretFile ?? DEV_SECRET_FILE)];
    source = 'dev-secret';
  }
  const cache = new Map<string, SigningKey[]>();
  return {
    source,
    keysFor(product) {
      let keys = cache.get(product);
      if (!keys) cache.set(product, (keys = secrets.map((secret) => deriveProductKey(secret, product))));
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
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_SIGNING_KEYS', result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return new Map(Object.entries(result.data).map(([product, secrets]) => [product, secrets.map((secret) => signingKey(secret))]));
}

/**
 * Reads the development secret, creating it on first use. Creation links a fully written
 * temporary file into place, so concurrent first starts (two test workers, `npm start`
 * and a product started by hand) all end up reading the one secret that won.
 */
function readOrCreateDevSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temporary, randomBytes(32).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  return readFileSync(file, 'utf8').trim();
}
