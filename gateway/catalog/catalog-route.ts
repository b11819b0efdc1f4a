import type { RouteHandler } from '../http/routes.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { CatalogCache } from './catalog-cache.ts';

/**
 * `GET /catalog` (the list and its search), `GET /catalog/<product>` and `GET /catalog.json`
 * (the data): the products the gateway
 * serves, read from the mesh repository, built once per supergraph, usage flush and
 * watermark (see {@link CatalogCache}) rather than on every unauthenticated request.
 */
export function catalogRoute(options: { cache: CatalogCache; state: () => SupergraphState }): RouteHandler {
  const catalog = options.cache;
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
