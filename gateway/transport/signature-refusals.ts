import type { Logger } from 'pino';
import { SIGNATURE_REFUSAL_REASONS, type SignatureRefusalReason } from '../../schema/protocol/signature-verifier.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';

/** A product's refusal of the gateway's signature, as its 401 answer tells it. */
export interface SignatureRefusal {
  product: string;
  /** The code the product answered (SIGNATURE_INVALID, ...), or null when its body had none. */
  code: string | null;
  /** Its reason, from the protocol's closed set; `unspecified` when it gave none we know. */
  reason: SignatureRefusalReason | 'unspecified';
  /** The id of the key the gateway signed with. */
  keyId: string;
}

/** What an operator can do about each reason: the log line says it, so nobody reads the code to learn it. */
const HINTS: Record<SignatureRefusal['reason'], string> = {
  'unknown-key':
    "the product does not hold the gateway's key: give it its own key from the source the gateway signs with (the registry with the product's token, or MESHGATE_PRODUCT_KEY), see PROTOCOL.md 3.1",
  mismatch: 'the product holds a key with this id but computes another signature: it verifies under another product name, or hashes other bytes than it received',
  expired: "the gateway's and the product's clocks differ by more than the product's skew window: synchronise them (NTP)",
  replayed: 'the product saw this nonce before: two gateway processes share one nonce prefix, or something replays requests',
  missing: 'the product saw no signature: a proxy between them drops the x-meshgate-signature header',
  malformed: 'the product could not read the signature header: a proxy rewrites it, or the product speaks another protocol version',
  'protocol-version': 'the product speaks another protocol version than the gateway: upgrade the older side',
  unspecified: 'the product gave no reason (a product on an older kit, or not a meshgate product)',
};

/** How long one (product, reason, key id) stays quiet in the log after its line; every refusal is still counted. */
const BURST_MS = 60_000;

/**
 * Turns a product's refusal of the gateway's signature into one log line per burst and a
 * count in `/metrics`, so a key mismatch reads as "sales refused key abc: unknown-key"
 * instead of a bare PRODUCT_ERROR. The client still learns only PRODUCT_ERROR: keys are
 * the operator's business.
 */
export class SignatureRefusals {
  private readonly lastLogged = new Map<string, { at: number; quiet: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'error'>,
    private readonly metrics: GatewayMetrics | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  record(refusal: SignatureRefusal): void {
    this.metrics?.productSignatureRefusals.inc({ product: refusal.product, reason: refusal.reason, key_id: refusal.keyId });
    const key = `${refusal.product}\n${refusal.reason}\n${refusal.keyId}`;
    const now = this.now();
    const last = this.lastLogged.get(key);
    if (last && now - last.at < BURST_MS) {
      last.quiet += 1;
      return;
    }
    this.lastLogged.set(key, { at: now, quiet: 0 });
    const { product, reason, code, keyId } = refusal;
    this.logger.error(
      { product, reason, code, keyId, ...(last?.quiet ? { refusedSinceLastLine: last.quiet } : {}) },
      `product ${product} refused the gateway's signature: ${reason} (${code ?? 'no code'}, key id ${keyId}); ${HINTS[reason]}`,
    );
  }
}

/** The refusal in a product's 401 body (PROTOCOL.md 4), read defensively: the body is the product's. */
export function readSignatureRefusal(product: string, keyId: string, text: string): SignatureRefusal {
  let code: string | null = null;
  let reason: SignatureRefusal['reason'] = 'unspecified';
  try {
    const extensions = (JSON.parse(text) as { errors?: { extensions?: { code?: unknown; reason?: unknown } }[] }).errors?.[0]?.extensions;
    if (typeof extensions?.code === 'string' && /^SIGNATURE_[A-Z]+$/.test(extensions.code)) code = extensions.code;
    if ((SIGNATURE_REFUSAL_REASONS as readonly unknown[]).includes(extensions?.reason)) reason = extensions!.reason as SignatureRefusalReason;
  } catch {
    // Not JSON: the reason stays unspecified.
  }
  return { product, code, reason, keyId };
}
