import { request } from 'undici';

/** What a product says about its data: which interface version serves it, and as of when. */
export interface ProductWatermark {
  version: string;
  dataAsOf: string;
}

interface Known {
  watermark: ProductWatermark | undefined;
  checkedAt: number;
  probe: Promise<ProductWatermark | undefined> | undefined;
}

/**
 * Knows each product's current watermark by asking it (`GET /watermark` beside its GraphQL
 * endpoint), at most once per `checkIntervalMs` per product; concurrent callers share one
 * probe. A product that does not answer has no watermark, and nothing of it is cached:
 * without one there is no way to tell when its data changes.
 */
export class WatermarkTracker {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly options: { checkIntervalMs: number; now?: () => number },
  ) {}

  /** The product's watermark, probing first when the last check is older than the interval. */
  async current(product: string, graphqlUrl: string): Promise<ProductWatermark | undefined> {
    const now = (this.options.now ?? Date.now)();
    let known = this.known.get(product);
    if (!known) this.known.set(product, (known = { watermark: undefined, checkedAt: Number.NEGATIVE_INFINITY, probe: undefined }));
    if (now - known.checkedAt < this.options.checkIntervalMs) return known.watermark;
    known.probe ??= probe(graphqlUrl).then((watermark) => {
      known.watermark = watermark;
      known.checkedAt = (this.options.now ?? Date.now)();
      known.probe = undefined;
      return watermark;
    });
    return known.probe;
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
