import { readFileSync } from 'node:fs';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { ProductKeySet } from '../../schema/protocol/signature-verifier.ts';
import { configuredSigningKeyring, deriveProductKeys, devSecretFile, devSigningSecret, parseSigningKeyText, type SigningKey } from '../../schema/protocol/signing-keys.ts';
import { RegistryClient } from '../../schema/registry/registry-client.ts';
import { fetchSigningKeys } from '../../schema/registry/signing-key-handout.ts';

/**
 * Where a product gets the keys that verify the gateway's requests to it, and only those.
 * The first source configured wins:
 *
 * 1. `MESHGATE_PRODUCT_KEY`: its own keys as the registry hands them out (base64url,
 *    newest first, separated by commas).
 * 2. `MESHGATE_PRODUCT_KEY_FILE`: a file holding the same (a mounted secret); read again
 *    when a request names a key the product does not hold, so a rotated file needs no restart.
 * 3. `MESHGATE_REGISTRY_URL` and `MESHGATE_REGISTRY_TOKEN` (the product's own registry
 *    token): fetched from the registry at start, every minute, and when a request names a
 *    key the product does not hold, so the registry's rotation fails no request.
 * 4. `MESHGATE_SIGNING_KEYS` (its own entry) or `MESHGATE_SIGNING_SECRET`: the
 *    single-repository mode, where the product holds the whole mesh's secret.
 * 5. Development only: the user's development secret (`$MESHGATE_HOME/signing-secret`),
 *    which every local command shares. In development it is accepted beside sources 1-3
 *    too, so a local gateway (`meshgate dev`, `meshgate start`) reaches the product
 *    whichever way the product was given its key. Production refuses it.
 */
export interface ProductKeys extends ProductKeySet {
  /** One line for the product's start-up log: where its keys come from. */
  readonly description: string;
  close(): void;
}

/** The least time between two fetches asked by unknown key ids: anyone can send one. */
const MIN_REFRESH_INTERVAL_MS = 1_000;

export async function loadProductKeys(product: string, options: { env?: NodeJS.ProcessEnv; mode?: 'development' | 'production' } = {}): Promise<ProductKeys> {
  const env = options.env ?? process.env;
  const mode = options.mode ?? (env.NODE_ENV === 'production' ? 'production' : 'development');
  // Development accepts the user's development key beside whatever the product was given.
  const withDev = (keys: readonly SigningKey[]): readonly SigningKey[] => (mode === 'development' ? [...keys, ...deriveProductKeys([devSigningSecret(env)], product)] : keys);
  const devNote = mode === 'development' ? ` and your development key (${devSecretFile(env)})` : '';

  if (env.MESHGATE_PRODUCT_KEY) {
    const keys = withDev(parseSigningKeyText(env.MESHGATE_PRODUCT_KEY, 'MESHGATE_PRODUCT_KEY'));
    return fixed(keys, `verifying with its key from MESHGATE_PRODUCT_KEY${devNote}`);
  }
  if (env.MESHGATE_PRODUCT_KEY_FILE) {
    const file = env.MESHGATE_PRODUCT_KEY_FILE;
    const read = async () => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_PRODUCT_KEY_FILE', [`${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
      }
      return { keys: withDev(parseSigningKeyText(text, `MESHGATE_PRODUCT_KEY_FILE (${file})`)), refreshAfterMs: undefined };
    };
    return refreshing(await read(), read, `verifying with its key from ${file}${devNote}`);
  }
  if (env.MESHGATE_REGISTRY_URL && env.MESHGATE_REGISTRY_TOKEN) {
    const client = new RegistryClient(env.MESHGATE_REGISTRY_URL, env.MESHGATE_REGISTRY_TOKEN);
    const fetch = async () => {
      const fetched = await fetchSigningKeys(client, product);
      return { keys: withDev(fetched.keys), refreshAfterMs: fetched.refreshAfterMs };
    };
    // A product that cannot get its key could answer nobody: one clear line, not a start.
    const initial = await fetch().catch((error: Error) => {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_REGISTRY_URL', [`cannot fetch the signing keys of "${product}" from ${client.url}: ${error.message}`]);
    });
    return refreshing(initial, fetch, `verifying with its keys from the registry at ${client.url}${devNote}`);
  }
  const configured = configuredSigningKeyring(env);
  if (configured) {
    const note = configured.source === 'MESHGATE_SIGNING_SECRET' ? ' (single-repository mode: this product holds the mesh secret, from which every product key derives)' : '';
    return fixed(configured.keysFor(product), `verifying with its key from ${configured.source}${note}`);
  }
  if (mode === 'production') {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'environment', [
      `${product} has no signing key: set MESHGATE_PRODUCT_KEY (or MESHGATE_PRODUCT_KEY_FILE), or MESHGATE_REGISTRY_URL with the product's MESHGATE_REGISTRY_TOKEN; products accept only signed requests`,
    ]);
  }
  return fixed(deriveProductKeys([devSigningSecret(env)], product), `verifying with your development key (${devSecretFile(env)})`);
}

function fixed(keys: readonly SigningKey[], description: string): ProductKeys {
  return { description, current: () => keys, close() {} };
}

interface Fetched {
  keys: readonly SigningKey[];
  /** When to fetch again on its own; undefined: only when a request names an unknown key. */
  refreshAfterMs: number | undefined;
}

/**
 * Keys fetched again when the source says (the registry's `refreshAfterSeconds`) and when
 * a request names a key id the product does not hold. The latter waits for a fetch already
 * running and, if that did not bring the key, fetches once more: a fetch that began before
 * the rotation must not decide. Fetches asked by unknown key ids are at most one a second,
 * since anyone can send one. A failed fetch keeps the keys the product has.
 */
function refreshing(initial: Fetched, fetch: () => Promise<Fetched>, description: string): ProductKeys {
  let keys = initial.keys;
  let inflight: Promise<void> | undefined;
  let lastAsked = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = (afterMs: number | undefined) => {
    if (afterMs === undefined || closed) return;
    timer = setTimeout(() => void fetchOnce(), afterMs);
    timer.unref();
  };
  const fetchOnce = (): Promise<void> => {
    inflight ??= fetch()
      .then((fetched) => {
        // A new list only when the ids changed, so the verifier rebuilds its index only then.
        if (fetched.keys.map((key) => key.id).join() !== keys.map((key) => key.id).join()) keys = fetched.keys;
        clearTimeout(timer);
        schedule(fetched.refreshAfterMs);
      })
      .catch((error: Error) => {
        process.stderr.write(`meshgate: could not refresh signing keys (keeping the ones held): ${error.message}\n`);
        clearTimeout(timer);
        schedule(initial.refreshAfterMs);
      })
      .finally(() => (inflight = undefined));
    return inflight;
  };
  schedule(initial.refreshAfterMs);
  return {
    description,
    current: () => keys,
    async refresh(wantedKeyId) {
      if (inflight) await inflight;
      if (keys.some((key) => key.id === wantedKeyId) || Date.now() - lastAsked < MIN_REFRESH_INTERVAL_MS) return;
      lastAsked = Date.now();
      await fetchOnce();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
