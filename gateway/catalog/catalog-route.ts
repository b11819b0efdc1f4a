import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import type { RouteHandler } from '../http/routes.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import { CatalogCache } from './catalog-cache.ts';
import type { ProductWatermarkSource } from './catalog-data.ts';

/**
 * `GET /catalog` (the list and its search), `GET /catalog/<product>` and `GET /catalog.json`
 * (the data): the products the gateway
 * serves, read from the mesh repository, built once per supergraph, usage flush and
 * watermark (see {@link CatalogCache}) rather than on every unauthenticated request.
 */
export function catalogRoute(options: {
  meshRoot: string | undefined;
  state: () => SupergraphState;
  watermarks: ProductWatermarkSource;
  usage: FieldUsageStore | undefined;
  onBuild?: () => void;
}): RouteHandler {
  const catalog = new CatalogCache({ meshRoot: options.meshRoot, watermarks: options.watermarks, usage: options.usage, onBuild: options.onBuild });
  return async (_req, res, url) => {
    const pages = await catalog.pages(options.state());
    if (url.pathname === '/catalog.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(pages.json);
      return;
    }
    // Pages differ by product and search, and rendering one is cheap beside a build: rendered per request.
    const { renderCatalogRoute } = await import('./catalog-page.ts');
    const { status, html } = renderCatalogRoute(pages.catalog, url.pathname, url.searchParams);
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  };
}
