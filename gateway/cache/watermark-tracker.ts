import { request } from '../../schema/base/undici-core.ts';
import { Singleflight } from '../primitives/singleflight.ts';

/** What a product says about its data: which interface version serves it, and as of when. */
export interface ProductWatermark {
  version: string;
  dataAsOf: string;
}

interface Known {
  watermark: ProductWatermark | undefined;
  checkedAt: number;
}

/**
 * Knows each product's current watermark by asking it (`GET /watermark` beside its GraphQL
 * endpoint), at most once per `checkIntervalMs` per product; concurrent callers share one
 * probe. A product that does not answer has no watermark, and nothing of it is cached:
 * without one there is no way to tell when its data changes.
 */
export class WatermarkTracker {
  private readonly known = new Map<string, Known>();
  /** One probe in flight per product, shared by every caller that needs it meanwhile. */
  private readonly probes = new Singleflight<ProductWatermark | undefined>();

  constructor(private readonly options: { checkIntervalMs: number; now?: () => number }) {}

  /**
   * The product's watermark. With an interval of 0 every call probes first (callers share
   * one probe in flight). Otherwise a known watermark is answered at once, and one older than
   * the interval is refreshed in the background: a slow product must not stall every cache
   * hit behind its probe. A product changes, at most, interval + one probe's round trip
   * before the cache stops answering for it.
   */
  async current(product: string, graphqlUrl: string): Promise<ProductWatermark | undefined> {
    const now = (this.options.now ?? Date.now)();
    let known = this.known.get(product);
    if (!known) {
      known = { watermark: undefined, checkedAt: Number.NEGATIVE_INFINITY };
      this.known.set(product, known);
    }
    if (now - known.checkedAt < this.options.checkIntervalMs) return known.watermark;
    const entry = known;
    const { result } = this.probes.join(product, () =>
      probe(graphqlUrl).then((watermark) => {
        entry.watermark = watermark;
        entry.checkedAt = (this.options.now ?? Date.now)();
        return watermark;
      }),
    );
    const answeredBefore = this.options.checkIntervalMs > 0 && entry.checkedAt > Number.NEGATIVE_INFINITY;
    return answeredBefore ? entry.watermark : result;
  }
}

async function probe(graphqlUrl: string): Promise<ProductWatermark | undefined> {
  try {
    const response = await request(new URL('/watermark', graphqlUrl), { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    const body = (await response.body.json()) as Partial<ProductWatermark>;
    return typeof body.version === 'string' && typeof body.dataAsOf === 'string' ? { version: body.version, dataAsOf: body.dataAsOf } : undefined;
  } catch {
    return undefined;
  }
}
