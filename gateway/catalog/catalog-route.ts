import type { FieldUsageStore } from '../observability/field-usage-store.ts';
import type { RouteHandler } from '../http/routes.ts';
import type { SupergraphState } from '../supergraph/supergraph-source.ts';
import type { ProductWatermarkSource } from './catalog-data.ts';
import { writeJson } from '../../schema/protocol/apollo-http.ts';

/** `GET /catalog` (the page) and `GET /catalog.json` (its data): the products the gateway serves, read from the mesh repository. */
export function catalogRoute(options: {
  meshRoot: string | undefined;
  state: () => SupergraphState;
  freshness: ProductWatermarkSource;
  usage: FieldUsageStore | undefined;
}): RouteHandler {
  return async (_req, res, url) => {
    const state = options.state();
    // Loaded on the first catalog request: it reads the mesh with the contract pipeline
    // (composition, lineage), which a gateway that only serves queries never needs in memory.
    const [{ buildCatalog }, { renderCatalogPage }] = await Promise.all([import('./catalog-data.ts'), import('./catalog-page.ts')]);
    const catalog = await buildCatalog({
      meshRoot: options.meshRoot,
      served: new Set(state.phase === 'serving' ? state.subgraphs.map((s) => s.name) : []),
      freshness: options.freshness,
      usage: options.usage,
    });
    if (url.pathname === '/catalog.json') writeJson(res, 200, catalog);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderCatalogPage(catalog));
  };
}
