import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCT_NAME } from '../product/descriptor.ts';
import { readOrCreateFile } from '../protocol/dev-home.ts';
import { ConfigError, MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { deriveProductKeys, encodeSigningKey, meshSecretsFromEnv, parseSigningKeyText, type SigningKey } from '../protocol/signing-keys.ts';
import type { RegistryClient } from './registry-client.ts';
import type { RegistryRoute } from './registry-server.ts';

/**
 * The registry hands each product the keys that verify requests addressed to it, and
 * nothing else: a product token gets its own product's keys, a gateway (or platform) token
 * any product's, since the gateway signs for all of them. Each key is derived from the
 * registry's secret (HMAC, as `MESHGATE_SIGNING_SECRET` derives them, PROTOCOL.md 3.1), so
 * the secret itself never leaves the registry and no team ever holds another's key.
 *
 * The secret comes from `MESHGATE_SIGNING_SECRET` (replicas of one registry share it; rotate
 * by listing `new,old` and rolling them), or else from a file beside the registry
 * (`.meshgate/registry-signing-secrets`, one secret a line, newest first), created at random
 * on the first start and rotated by `POST /v1/signing-keys/rotate` (a platform token).
 */
const DEFAULT_SIGNING_SECRETS_FILE = join('.meshgate', 'registry-signing-secrets');

/**
 * How often a product or gateway fetches its keys again, unless the registry says otherwise
 * (`MESHGATE_REGISTRY_KEY_REFRESH_SECONDS`): a rotation reaches every gateway within it.
 */
export const SIGNING_KEYS_REFRESH_SECONDS = 60;

/** What `GET /v1/products/:name/signing-keys` answers. */
export interface SigningKeysAnswer {
  product: string;
  /** Newest (the one the gateway signs with) first; `key` is base64url of the key's bytes. */
  keys: { id: string; key: string }[];
  refreshAfterSeconds: number;
}

export class RegistrySigningSecrets {
  private cached: { mtimeMs: number; secrets: string[] } | undefined;

  private constructor(
    /** `MESHGATE_SIGNING_SECRET`, or the file's path. */
    readonly source: string,
    private readonly fromEnv: string[] | undefined,
    private readonly file: string,
  ) {}

  static open(options: { env?: NodeJS.ProcessEnv; file?: string } = {}): RegistrySigningSecrets {
    const env = options.env ?? process.env;
    const file = options.file ?? DEFAULT_SIGNING_SECRETS_FILE;
    const fromEnv = meshSecretsFromEnv(env);
    if (!fromEnv) readOrCreateFile(file, () => `${newSecret()}\n`);
    const secrets = new RegistrySigningSecrets(fromEnv ? 'MESHGATE_SIGNING_SECRET' : file, fromEnv, file);
    secrets.secrets();
    return secrets;
  }

  /** The secrets, newest first. The file is read again when it changed (a rotation by another replica sharing it). */
  secrets(): string[] {
    if (this.fromEnv) return this.fromEnv;
    const { mtimeMs } = statSync(this.file);
    if (this.cached?.mtimeMs !== mtimeMs) {
      const secrets = readFileSync(this.file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      if (secrets.length === 0 || secrets.some((secret) => secret.length < 16))
        throw new ConfigError(MeshErrorCode.CONFIG_INVALID, this.file, ['one secret of at least 16 characters a line, newest first']);
      this.cached = { mtimeMs, secrets };
    }
    return this.cached.secrets;
  }

  keysFor(product: string): SigningKey[] {
    return deriveProductKeys(this.secrets(), product);
  }

  /** A new secret first, the current one kept (requests signed with it still verify), any older one dropped. */
  rotate(): { secrets: number } {
    if (this.fromEnv) throw new MeshError(MeshErrorCode.CONFIG_INVALID, 'This registry takes its signing secret from MESHGATE_SIGNING_SECRET: rotate by setting it to "new,old" and restarting');
    const next = [newSecret(), this.secrets()[0]!];
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${next.join('\n')}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
    this.cached = undefined;
    return { secrets: next.length };
  }
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The registry's routes for signing keys, wired into its server by `meshgate registry serve`. */
export function signingKeyRoutes(secrets: RegistrySigningSecrets, options: { refreshAfterSeconds?: number } = {}): RegistryRoute[] {
  const refreshAfterSeconds = options.refreshAfterSeconds ?? SIGNING_KEYS_REFRESH_SECONDS;
  return [
    {
      method: 'GET',
      path: ['v1', 'products', ':name', 'signing-keys'],
      who: ['product', 'gateway', 'platform'],
      async handle({ params, principal, response }) {
        const product = params.name!;
        if (!PRODUCT_NAME.test(product)) throw new MeshError(MeshErrorCode.BAD_REQUEST, 'Not a product name');
        // The heart of it: a product's token never gets another product's key.
        if (principal.kind === 'product' && principal.product !== product) {
          throw new MeshError(MeshErrorCode.REGISTRY_FORBIDDEN, `The token of "${principal.product}" may not read the signing keys of "${product}"`);
        }
        const answer: SigningKeysAnswer = { product, keys: secrets.keysFor(product).map((key) => ({ id: key.id, key: encodeSigningKey(key) })), refreshAfterSeconds };
        const text = JSON.stringify(answer);
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        response.end(text);
      },
    },
    {
      method: 'POST',
      path: ['v1', 'signing-keys', 'rotate'],
      who: ['platform'],
      async handle({ response }) {
        const text = JSON.stringify(secrets.rotate());
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        response.end(text);
      },
    },
  ];
}

/**
 * A product's keys from the registry, newest first (`client` holds the product's or a
 * gateway's token), and when to fetch them again (bounded: 1 s to 1 h).
 */
export async function fetchSigningKeys(client: RegistryClient, product: string): Promise<{ keys: SigningKey[]; refreshAfterMs: number }> {
  const answer = await client.call<SigningKeysAnswer>('GET', `/v1/products/${encodeURIComponent(product)}/signing-keys`, undefined, { timeoutMs: 10_000 });
  if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.keys))
    throw new MeshError(MeshErrorCode.CONFIG_INVALID, `The registry at ${client.url} answered the signing keys of "${product}" with something that is not them`);
  const keys = parseSigningKeyText(answer.keys.map((entry) => String(entry?.key)).join(','), `the registry's signing keys of ${product}`);
  const seconds = Number.isFinite(answer.refreshAfterSeconds) ? Math.min(Math.max(answer.refreshAfterSeconds, 1), 3600) : SIGNING_KEYS_REFRESH_SECONDS;
  return { keys, refreshAfterMs: seconds * 1000 };
}
