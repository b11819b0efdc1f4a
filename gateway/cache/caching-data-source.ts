import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayContext } from '../gateway-context.ts';
import { ProductDataSource } from '../transport/product-data-source.ts';
import { forwardedClaimsKey } from '../access/forwarded-claims.ts';
import type { WatermarkCache } from './watermark-cache.ts';

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION`; Apollo exports the enum's type only. */
const INCOMING_OPERATION = 'incoming operation';

type ProcessResult = Awaited<ReturnType<ProductDataSource['process']>>;

/**
 * A product data source that answers repeated queries from the {@link WatermarkCache}.
 * Only queries of client operations are cached: mutations change data, and schema loading
 * or health checks must reach the product.
 */
export class CachingProductDataSource extends ProductDataSource {
  private readonly cache: WatermarkCache;

  constructor(options: ConstructorParameters<typeof ProductDataSource>[0] & { cache: WatermarkCache }) {
    const { cache, ...rest } = options;
    super(rest);
    this.cache = cache;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<ProcessResult> {
    const { request } = options;
    if (String(options.kind) !== INCOMING_OPERATION || !request.query || /^\s*(mutation|subscription)\b/.test(request.query)) {
      return super.process(options);
    }
    const context = options.context as Partial<GatewayContext>;
    // Keyed on what the product is asked, before `process` adds transport headers.
    const body = JSON.stringify([request.query, request.variables ?? null, request.operationName ?? null]);
    // The product's report (version, dataAsOf) travels with the cached answer, so a cache
    // hit still lists the product in `extensions.dataProducts`.
    const { report, ...response } = await this.cache.fetch(
      { product: this.product, url: this.url, body, scope: forwardedClaimsKey(context.principal) },
      async () => ({ ...(await super.process(options)), report: context.answeredBy?.get(this.product) ?? null }),
    );
    if (report) context.answeredBy?.set(this.product, report);
    return response as ProcessResult;
  }
}
