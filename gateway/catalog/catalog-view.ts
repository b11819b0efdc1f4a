import type { CallerView } from '../access/caller-view.ts';
import type { Catalog, CatalogField, CatalogProduct } from './catalog-data.ts';

/**
 * The catalog as one caller may see it ({@link CallerView}, the view introspection and
 * `/mcp` give the same caller): a preview field only after the caller opted in; a field of
 * a served product only if the caller's API schema has it (a field the served supergraph
 * hides, or does not have yet, is not named); and which clients use a deprecated field
 * only to an operator. The catalog is built once for everyone (see `CatalogCache`); this
 * cuts it per request, and keeps the cut per kind of caller.
 */
export function catalogForCaller(catalog: Catalog, view: CallerView): Catalog {
  const shown = (product: CatalogProduct, field: CatalogField) => (!field.preview || view.previewOptedIn) && (!product.served || (view.schema?.has(field.coordinate) ?? false));
  const hidden = new Set(catalog.products.flatMap((product) => [...product.fields, ...product.previewFields].filter((field) => !shown(product, field)).map((field) => field.coordinate)));
  const visible = (field: CatalogField) => !hidden.has(field.coordinate);
  // Client names are other callers' business: an operator's, nobody else's.
  const withUsage = (field: CatalogField): CatalogField => (field.deprecation && !view.operator ? { ...field, deprecation: { ...field.deprecation, recentUsage: null } } : field);
  const products = catalog.products.map((product): CatalogProduct => {
    const fields = product.fields.filter(visible).map(withUsage);
    return {
      ...product,
      fields,
      deprecatedFields: fields.filter((field) => field.deprecation),
      previewFields: product.previewFields.filter(visible).map(withUsage),
      types: product.types.map((type) => ({ ...type, fields: type.fields.filter(visible).map(withUsage) })).filter((type) => type.fields.length > 0),
    };
  });
  // An edge names the fields at both ends (`product:Type.field`, the source possibly a path below it).
  const coordinateOf = (end: string) =>
    end
      .slice(end.indexOf(':') + 1)
      .split('.')
      .slice(0, 2)
      .join('.');
  const edges = catalog.lineage.edges.filter((edge) => !hidden.has(coordinateOf(edge.from)) && !hidden.has(coordinateOf(edge.to)));
  return { ...catalog, products, lineage: { ...catalog.lineage, edges } };
}

/** The kinds of caller that see different catalogs: the cut is the same for every caller of one kind. */
export function catalogViewKey(view: CallerView): string {
  return `${view.previewOptedIn ? 'preview' : 'stable'}:${view.operator ? 'operator' : 'reader'}`;
}
