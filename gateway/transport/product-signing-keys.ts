import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { signatureHeader } from '../../schema/protocol/signature.ts';
import { configuredSigningKeyring, devSecretFile, loadSigningKeyring, type SigningKey, type SigningKeyring } from '../../schema/protocol/signing-keys.ts';
import { RegistryClient } from '../../schema/registry/registry-client.ts';
import { fetchSigningKeys, SIGNING_KEYS_REFRESH_SECONDS } from '../../schema/registry/signing-key-handout.ts';
import type { GatewayConfig } from '../config.ts';

/**
 * Signs every request to a product with the product's newest key. `sign` answers at once
 * when the key is held, which is every fetch but the first to a product a new supergraph
 * brought; then it waits for the registry.
 */
export interface ProductSigner {
  /** One line for the start-up log: where the keys come from. */
  readonly description: string;
  sign(product: string, body: string): string | Promise<string>;
  /** A product refused a key it does not hold: fetch the keys again (a registry that rotated). */
  keyRefused(product: string): void;
  close(): void;
}

/**
 * The gateway's keys, in this order: `MESHGATE_SIGNING_KEYS` or `MESHGATE_SIGNING_SECRET`
 * when set; else the registry it serves from (its gateway token reads every product's
 * keys); else, in development, the user's development key. In production with none of them,
 * CONFIG_INVALID. Fails before anything is opened when a product of the supergraph has no key.
 */
export async function openProductSigner(options: { mode: GatewayConfig['mode']; products: readonly string[]; registry: { url: string; token: string } | undefined }): Promise<ProductSigner> {
  const configured = configuredSigningKeyring();
  if (!configured && options.registry) {
    const signer = new RegistryKeys(new RegistryClient(options.registry.url, options.registry.token));
    await signer.preload(options.products);
    return signer;
  }
  const keyring = configured ?? loadSigningKeyring({ mode: options.mode });
  for (const product of options.products) keyring.keysFor(product);
  return staticSigner(keyring);
}

function staticSigner(keyring: SigningKeyring): ProductSigner {
  const description =
    keyring.source === 'dev-identity'
      ? `signing product requests with your development key (${devSecretFile()}); products started elsewhere need it too, or a key from the registry`
      : keyring.source === 'MESHGATE_SIGNING_SECRET'
        ? 'signing product requests with keys derived from MESHGATE_SIGNING_SECRET (single-repository mode when the products hold it too: any of them could sign for all)'
        : 'signing product requests with the keys of MESHGATE_SIGNING_KEYS';
  return {
    description,
    sign: (product, body) => signatureHeader(keyring.keysFor(product)[0]!, product, body),
    keyRefused() {},
    close() {},
  };
}

/** The least time between two fetches of one product's keys asked by refusals. */
const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * Each product's keys from the registry: fetched at start (or at the first fetch to a
 * product a new supergraph brought), again whenever the registry says
 * (`refreshAfterSeconds`), and when a product refuses a key it does not hold.
 */
class RegistryKeys implements ProductSigner {
  readonly description: string;
  private readonly keys = new Map<string, readonly SigningKey[]>();
  private readonly inflight = new Map<string, Promise<readonly SigningKey[]>>();
  private readonly lastFetch = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly client: RegistryClient) {
    this.description = `signing product requests with each product's keys from the registry at ${client.url}`;
  }

  async preload(products: readonly string[]): Promise<void> {
    try {
      await Promise.all(products.map((product) => this.fetch(product)));
    } catch (error) {
      this.close();
      throw new MeshError(MeshErrorCode.CONFIG_INVALID, `Cannot fetch the products' signing keys from the registry at ${this.client.url}: ${(error as Error).message}`);
    }
  }

  sign(product: string, body: string): string | Promise<string> {
    const keys = this.keys.get(product);
    if (keys) return signatureHeader(keys[0]!, product, body);
    return this.fetch(product).then((fetched) => signatureHeader(fetched[0]!, product, body));
  }

  keyRefused(product: string): void {
    if (Date.now() - (this.lastFetch.get(product) ?? 0) >= MIN_REFRESH_INTERVAL_MS) void this.fetch(product).catch(() => {});
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  /** One fetch per product at a time; a failed refresh keeps the keys held and tries again later. */
  private fetch(product: string): Promise<readonly SigningKey[]> {
    let running = this.inflight.get(product);
    if (!running) {
      this.lastFetch.set(product, Date.now());
      running = fetchSigningKeys(this.client, product)
        .then(({ keys, refreshAfterMs }) => {
          this.keys.set(product, keys);
          this.schedule(product, refreshAfterMs);
          return keys;
        })
        .catch((error: unknown) => {
          this.schedule(product, SIGNING_KEYS_REFRESH_SECONDS * 1000);
          throw error;
        })
        .finally(() => this.inflight.delete(product));
      this.inflight.set(product, running);
    }
    return running;
  }

  private schedule(product: string, afterMs: number): void {
    clearTimeout(this.timers.get(product));
    if (this.closed) return;
    const timer = setTimeout(() => void this.fetch(product).catch(() => {}), afterMs);
    timer.unref();
    this.timers.set(product, timer);
  }
}
