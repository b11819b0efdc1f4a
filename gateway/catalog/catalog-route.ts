import { anonymousPrincipal, type Authenticate } from '../access/authentication.ts';
import type { CallerViews } from '../access/caller-view.ts';
import { headersOf } from '../http/graphql-route.ts';
import type { RouteHandler } from '../http/routes.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { AgreementAccess } from '../access/agreement-access.ts';
import type { CatalogCache } from './catalog-cache.ts';

/**
 * `GET /catalog` (the list and its search), `GET /catalog/<product>` and `GET /catalog.json`
 * (the data): the products the gateway serves, read from the mesh repository, built once
 * per supergraph, usage flush and watermark (see {@link CatalogCache}) rather than on every
 * unauthenticated request, and cut to what the caller may see (`catalogForCaller`): the view
 * introspection and `/mcp` give it.
 *
 * The catalog is documentation: without a token it answers with the anonymous view, whether
 * or not `/graphql` serves anonymous callers. A token is verified as `/graphql` verifies it:
 * a bad one is refused (UNAUTHENTICATED), never read as anonymous.
 *
 * With `agreements` (the registry's, as this gateway enforces them), a product's page names
 * its consumers and their purposes, as the registry's page does.
 */
export function catalogRoute(options: {
  cache: CatalogCache;
  state: () => SupergraphState;
  views: CallerViews;
  authenticate: Authenticate;
  agreements?: Pick<AgreementAccess, 'consumersOf'> | undefined;
}): RouteHandler {
  const catalog = options.cache;
  return async (req, res, url) => {
    const headers = headersOf(req);
    const principal = headers.authorization ? await options.authenticate(headers) : anonymousPrincipal(headers);
    const pages = await catalog.forCaller(options.state(), options.views.forCaller(headers, principal));
    // Answers differ by caller: a shared cache must not hand one caller's catalog to another.
    const vary = { vary: `authorization, ${options.views.previewHeader}` };
    if (url.pathname === '/catalog.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...vary }).end(pages.json);
      return;
    }
    // Pages differ by product and search, and rendering one is cheap beside a build: rendered per request.
    const { renderCatalogRoute, GATEWAY_CATALOG_SITE } = await import('./catalog-page.ts');
    const agreements = options.agreements;
    const site = agreements
      ? {
          ...GATEWAY_CATALOG_SITE,
          productPanels: await import('./agreement-pages.ts').then(
            ({ consumersPanel }) =>
              (product: { name: string }) =>
                consumersPanel(product.name, agreements.consumersOf(product.name), { links: false }),
          ),
        }
      : GATEWAY_CATALOG_SITE;
    const { status, html } = renderCatalogRoute(pages.catalog, url.pathname, url.searchParams, site);
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...vary }).end(html);
  };
}
