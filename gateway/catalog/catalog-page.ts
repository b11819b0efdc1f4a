import type { Catalog, CatalogField, CatalogProduct } from './catalog-data.ts';
import { escapeMarkup as e } from '../../schema/base/escape-markup.ts';
import { CLASSIFICATIONS } from '../../schema/product/descriptor.ts';
import { renderLineageSvg } from './lineage-svg.ts';

/**
 * The catalog as server-rendered HTML: inline CSS, inline SVG, no script and no external
 * asset, so it renders offline, behind any proxy, and with JavaScript disabled. Search and
 * filters are a plain GET form (`/catalog?q=…&domain=…`); each product has its own page
 * (`/catalog/<product>`). `/catalog.json` serves the same {@link Catalog} for tools.
 */

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { margin: 0 0 4px; } h2 { margin: 28px 0 8px; } h3 { margin: 16px 0 6px; font-size: 14px; }
nav a { margin-right: 12px; }
form.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 12px 0; }
form.search input[type=search] { flex: 1; min-width: 240px; padding: 5px 8px; font-size: 14px; }
section.product, section.panel { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.meta dt { color: #6b7280; } .meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
th { color: #6b7280; font-weight: 600; } code { font-size: 12.5px; }
pre { background: #f3f4f6; padding: 8px 10px; border-radius: 6px; overflow-x: auto; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; background: #e5e7eb; }
.status-active, .fresh { background: #d1fae5; } .status-deprecated, .stale { background: #fee2e2; } .status-draft, .status-proposed, .unknown { background: #fef3c7; }
.class-public { background: #d1fae5; } .class-internal { background: #dbeafe; } .class-confidential { background: #fde68a; } .class-restricted { background: #fecaca; }
.lineage { overflow-x: auto; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; }
.muted { color: #6b7280; }
`;

/**
 * Where the catalog is served. The gateway serves it beside its explorer; the registry
 * serves it without one, and adds its builds and each product's history.
 */
export interface CatalogSite {
  /** A GraphiQL explorer answers at `explorer` beside the catalog: examples link to it. */
  explorer: boolean;
  /** The links in the list's header, relative to it. */
  links: { href: string; label: string }[];
  /** More panels on a product's page: HTML, everything in it escaped by the caller. */
  productPanels?: (product: CatalogProduct) => string;
}

export const GATEWAY_CATALOG_SITE: CatalogSite = {
  explorer: true,
  links: [
    { href: 'catalog.json', label: 'catalog.json' },
    { href: 'explorer', label: 'GraphiQL explorer' },
  ],
};

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

function classificationBadge(field: CatalogField): string {
  if (!field.classification) return '<span class="muted">—</span>';
  const scopes = field.scopes.length ? ` <span class="muted">needs ${field.scopes.map((s) => `<code>${e(s)}</code>`).join(' ')}</span>` : '';
  return `<span class="badge class-${e(field.classification)}">${e(field.classification)}</span>${scopes}`;
}

function fieldRows(fields: readonly CatalogField[]): string {
  if (fields.length === 0) return '<p class="muted">None.</p>';
  const rows = fields.map(
    (f) =>
      `<tr id="field-${e(f.coordinate)}" data-coordinate="${e(f.coordinate)}"><td><code>${e(f.coordinate.slice(f.coordinate.indexOf('.') + 1))}</code></td><td><code>${e(f.type)}</code></td><td>${classificationBadge(f)}</td><td>${e(f.description ?? '')}${f.deprecation ? ` <span class="badge stale">deprecated</span>` : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Classification</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function deprecatedRows(fields: readonly CatalogField[]): string {
  if (fields.length === 0) return '<p class="muted">None.</p>';
  const rows = fields.map((f) => {
    const usage = f.deprecation!.recentUsage;
    const used =
      usage === null
        ? '<span class="muted">shown to operators</span>'
        : usage.length === 0
          ? '<span class="muted">not used recently</span>'
          : usage.map((u) => `${e(u.client)}${u.application ? ` as ${e(u.application)} (verified)` : ''} (${u.count}, last ${e(u.lastUsed)})`).join(', ');
    return `<tr data-coordinate="${e(f.coordinate)}"><td><code>${e(f.coordinate)}</code></td><td>${e(f.deprecation!.sunset ?? 'no sunset')}</td><td>${e(f.deprecation!.reason)}</td><td>${used}</td></tr>`;
  });
  return `<table><thead><tr><th>Field</th><th>Sunset</th><th>Reason</th><th>Recent usage (30 days)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function freshness(product: CatalogProduct): string {
  return product.freshness.dataAsOf
    ? `${e(product.freshness.dataAsOf)} <span class="badge ${product.freshness.state}">${product.freshness.state}</span>`
    : '<span class="badge unknown">unknown</span>';
}

function heading(product: CatalogProduct, level: 'h1' | 'h2', href?: string): string {
  const name = href ? `<a href="${e(href)}">${e(product.title)}</a>` : e(product.title);
  return `<${level}>${name} <code class="muted">${e(product.name)}</code> <span class="badge">${e(product.version)}</span> <span class="badge status-${e(product.status)}">${e(product.status)}</span> <span class="badge">${product.derived ? 'derived' : 'source'}</span>${product.served ? '' : ' <span class="badge unknown">not served</span>'}</${level}>`;
}

function meta(product: CatalogProduct, productHref: (name: string) => string): string {
  const contact = /^https:\/\//.test(product.owner.contact) ? e(product.owner.contact) : `mailto:${e(product.owner.contact)}`;
  return `<dl class="meta">
<dt>Domain</dt><dd>${e(product.domain)}</dd>
<dt>Owner</dt><dd>${e(product.owner.team)} · <a href="${contact}">${e(product.owner.contact)}</a></dd>
<dt>SLA</dt><dd>fresh within ${e(product.sla.freshness)}, ${e(product.sla.availability)} available</dd>
<dt>Data as of</dt><dd class="freshness">${freshness(product)}</dd>
<dt>Input ports</dt><dd>${product.inputs.length ? product.inputs.map((i) => `<a href="${e(productHref(i.product))}">${e(i.product)}</a> ${e(i.version)}`).join(', ') : '<span class="muted">none</span>'}</dd>
</dl>`;
}

/** What the search form asks: free text and three filters, each optional. */
export interface CatalogQuery {
  q: string;
  domain: string;
  status: string;
  classification: string;
}

function catalogQueryOf(params: URLSearchParams): CatalogQuery {
  const get = (name: string) => (params.get(name) ?? '').trim().slice(0, 200);
  return { q: get('q'), domain: get('domain'), status: get('status'), classification: get('classification') };
}

/** A product that matches the query, with the fields that matched (all of them when only filters are set). */
export interface CatalogMatch {
  product: CatalogProduct;
  fields: CatalogField[];
}

/** Server-side search over products, their fields and descriptions, then the filters. */
export function searchCatalog(catalog: Catalog, query: CatalogQuery): CatalogMatch[] {
  const words = query.q.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (text: string) => words.every((w) => text.toLowerCase().includes(w));
  const results: CatalogMatch[] = [];
  for (const product of catalog.products) {
    if (query.domain && product.domain !== query.domain) continue;
    if (query.status && product.status !== query.status) continue;
    const all = [...product.fields, ...product.previewFields].filter((f) => !query.classification || f.classification === query.classification);
    if (query.classification && all.length === 0) continue;
    const productText = [product.name, product.title, product.domain, product.purpose, product.usage, product.limitations].join(' ');
    const fields = words.length ? all.filter((f) => matches(`${f.coordinate} ${f.description ?? ''}`)) : [];
    if (words.length && !matches(productText) && fields.length === 0) continue;
    results.push({ product, fields });
  }
  return results;
}

function select(name: string, label: string, values: readonly string[], chosen: string): string {
  const options = ['', ...values].map((v) => `<option value="${e(v)}"${v === chosen ? ' selected' : ''}>${v ? e(v) : `any ${label}`}</option>`);
  return `<label>${e(label)} <select name="${name}">${options.join('')}</select></label>`;
}

export function renderCatalogPage(catalog: Catalog, query: CatalogQuery = { q: '', domain: '', status: '', classification: '' }, site: CatalogSite = GATEWAY_CATALOG_SITE): string {
  const href = (name: string) => `catalog/${encodeURIComponent(name)}`;
  const results = searchCatalog(catalog, query);
  const filtered = Object.values(query).some(Boolean);
  const sections = results.map(({ product, fields }) => {
    const matched = fields.length
      ? `<h3>Matching fields</h3><ul class="matches">${fields
          .slice(0, 20)
          .map(
            (f) =>
              `<li><a href="${e(href(product.name))}#field-${e(f.coordinate)}"><code>${e(f.coordinate)}</code></a> <span class="badge class-${e(f.classification ?? '')}">${e(f.classification ?? '—')}</span> ${e(f.description ?? '')}</li>`,
          )
          .join('')}</ul>`
      : '';
    return `<section class="product" id="product-${e(product.name)}" data-product="${e(product.name)}">
${heading(product, 'h2', href(product.name))}
<p>${e(product.purpose)}</p>${meta(product, href)}${matched}</section>`;
  });
  const domains = [...new Set(catalog.products.map((p) => p.domain))].sort();
  const statuses = [...new Set(catalog.products.map((p) => p.status))].sort();
  return page(
    'Data product catalog · meshgate',
    `<header><h1>Data product catalog</h1>
<p class="muted">${catalog.products.length} products · generated ${e(catalog.generatedAt)}${site.links.map((l) => ` · <a href="${e(l.href)}">${e(l.label)}</a>`).join('')}</p>
<form class="search" method="get" action="catalog" role="search">
<input type="search" name="q" value="${e(query.q)}" placeholder="Search products, fields and descriptions" aria-label="Search">
${select('domain', 'domain', domains, query.domain)} ${select('status', 'status', statuses, query.status)} ${select('classification', 'classification', CLASSIFICATIONS, query.classification)}
<button type="submit">Search</button>${filtered ? ' <a href="catalog">clear</a>' : ''}</form>
<nav>${catalog.products.map((p) => `<a href="${e(href(p.name))}">${e(p.name)}</a>`).join('')}<a href="#lineage-graph">lineage</a></nav></header>
<main>
${filtered ? `<p class="muted results">${results.length} of ${catalog.products.length} products match.</p>` : ''}
${sections.join('\n')}
<h2 id="lineage-graph">Lineage</h2>
<p class="muted">Source products on the left, derived products to the right. An arrow: the derived product computes fields from the source's published fields (<code>@requires</code>); hover it for the fields. A product that only adds fields to another's entity (by its key) stays a source.</p>
<div class="lineage">${renderLineageSvg(catalog.lineage, { href })}</div>
</main>`,
  );
}

/** One product's page: everything a consumer needs before writing the first query. */
export function renderProductPage(catalog: Catalog, product: CatalogProduct, site: CatalogSite = GATEWAY_CATALOG_SITE): string {
  const href = (name: string) => encodeURIComponent(name);
  const types = product.types
    .map((t) => `<h3 id="type-${e(t.name)}"><code>${e(t.name)}</code>${t.description ? ` <span class="muted">${e(t.description)}</span>` : ''}</h3>${fieldRows(t.fields)}`)
    .join('\n');
  const examples = product.examples.length
    ? product.examples
        .map(
          (x) =>
            `<div class="example"><h3>${e(x.title)}</h3><pre>${e(x.query)}</pre>${site.explorer ? `<a class="open-in-explorer" href="../explorer?query=${e(encodeURIComponent(x.query))}">Open in explorer</a>` : ''}</div>`,
        )
        .join('\n')
    : '<p class="muted">None.</p>';
  return page(
    `${product.title} · Data product catalog`,
    `<header><p><a href="../catalog">← Data product catalog</a></p>
<section class="product" data-product="${e(product.name)}">${heading(product, 'h1')}
<p>${e(product.purpose)}</p>${meta(product, href)}
<dl class="meta"><dt>Limitations</dt><dd>${e(product.limitations)}</dd><dt>Usage</dt><dd>${e(product.usage)}</dd></dl></section></header>
<main>
<section class="panel"><h2>Example queries</h2>${examples}</section>
<section class="panel"><h2>Published fields</h2>
<p class="muted">By type, without the pagination types (<code>PageInfo</code>, <code>*Connection</code>, <code>*Edge</code>). Classification colours: ${CLASSIFICATIONS.map((c) => `<span class="badge class-${c}">${c}</span>`).join(' ')}; a field shows the scopes it needs.</p>
${types}</section>
<section class="panel"><h2>Deprecated fields</h2><div class="deprecated">${deprecatedRows(product.deprecatedFields)}</div></section>
${product.previewFields.length > 0 ? `<section class="panel"><h2>Preview fields</h2><p class="muted">Served only to clients that opt in (the preview header set to <code>true</code>).</p><div class="preview">${fieldRows(product.previewFields)}</div></section>` : ''}
<section class="panel"><h2 id="lineage-graph">Lineage</h2><div class="lineage">${renderLineageSvg(catalog.lineage, { focus: product.name, href })}</div></section>
${site.productPanels?.(product) ?? ''}
</main>`,
  );
}

/**
 * The catalog's HTML routes: `/catalog` (list, search, filters) and `/catalog/<product>`.
 * An unknown product is a 404 page, not an error object: a person is reading.
 */
export function renderCatalogRoute(catalog: Catalog, path: string, params: URLSearchParams, site: CatalogSite = GATEWAY_CATALOG_SITE): { status: number; html: string } {
  if (path === '/catalog') return { status: 200, html: renderCatalogPage(catalog, catalogQueryOf(params), site) };
  const name = path.slice('/catalog/'.length);
  // Product names are kebab-case: nothing to decode, and nothing else matches one.
  const product = catalog.products.find((p) => p.name === name);
  if (!product) return { status: 404, html: page('Not found · Data product catalog', `<main><h1>No product ${e(name)}</h1><p><a href="../catalog">Data product catalog</a></p></main>`) };
  return { status: 200, html: renderProductPage(catalog, product, site) };
}
