import type { Catalog, CatalogField, CatalogProduct } from './catalog-data.ts';
import { escapeXml as e, renderLineageSvg } from './lineage-svg.ts';

/**
 * The catalog as one self-contained HTML page: inline CSS, inline SVG, no script and no
 * external asset, so it renders offline, behind any proxy, and with JavaScript disabled.
 * `/catalog.json` serves the same {@link Catalog} for tools.
 */

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { margin: 0 0 4px; } h2 { margin: 28px 0 8px; } h3 { margin: 16px 0 6px; font-size: 14px; }
nav a { margin-right: 12px; }
section.product { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.meta dt { color: #6b7280; } .meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
th { color: #6b7280; font-weight: 600; } code { font-size: 12.5px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; background: #e5e7eb; }
.status-active, .fresh { background: #d1fae5; } .status-deprecated, .stale { background: #fee2e2; } .status-draft, .status-proposed, .unknown { background: #fef3c7; }
.lineage { overflow-x: auto; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; }
.muted { color: #6b7280; }
`;

function fieldRows(fields: readonly CatalogField[]): string {
  if (fields.length === 0) return '<p class="muted">None.</p>';
  const rows = fields.map(
    (f) =>
      `<tr data-coordinate="${e(f.coordinate)}"><td><code>${e(f.coordinate)}</code></td><td><code>${e(f.type)}</code></td><td>${f.classification ? `<span class="badge">${e(f.classification)}</span>` : '<span class="muted">—</span>'}</td><td>${e(f.description ?? '')}${f.deprecation ? ` <span class="badge stale">deprecated</span>` : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Classification</th><th>Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function deprecatedRows(fields: readonly CatalogField[]): string {
  if (fields.length === 0) return '<p class="muted">None.</p>';
  const rows = fields.map((f) => {
    const usage = f.deprecation!.recentUsage;
    const used = usage.length === 0 ? '<span class="muted">not used recently</span>' : usage.map((u) => `${e(u.client)} (${u.count}, last ${e(u.lastUsed)})`).join(', ');
    return `<tr data-coordinate="${e(f.coordinate)}"><td><code>${e(f.coordinate)}</code></td><td>${e(f.deprecation!.sunset ?? 'no sunset')}</td><td>${e(f.deprecation!.reason)}</td><td>${used}</td></tr>`;
  });
  return `<table><thead><tr><th>Field</th><th>Sunset</th><th>Reason</th><th>Recent usage (30 days)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function productSection(product: CatalogProduct): string {
  const freshness = product.freshness.dataAsOf ? `${e(product.freshness.dataAsOf)} <span class="badge ${product.freshness.state}">${product.freshness.state}</span>` : '<span class="badge unknown">unknown</span>';
  return `<section class="product" id="product-${e(product.name)}" data-product="${e(product.name)}">
<h2>${e(product.title)} <code class="muted">${e(product.name)}</code> <span class="badge">${e(product.version)}</span> <span class="badge status-${e(product.status)}">${e(product.status)}</span>${product.served ? '' : ' <span class="badge unknown">not served</span>'}</h2>
<p>${e(product.purpose)}</p>
<dl class="meta">
<dt>Domain</dt><dd>${e(product.domain)}</dd>
<dt>Owner</dt><dd>${e(product.owner.team)} · <a href="${/^https:\/\//.test(product.owner.contact) ? e(product.owner.contact) : `mailto:${e(product.owner.contact)}`}">${e(product.owner.contact)}</a></dd>
<dt>SLA</dt><dd>fresh within ${e(product.sla.freshness)}, ${e(product.sla.availability)} available</dd>
<dt>Data as of</dt><dd class="freshness">${freshness}</dd>
<dt>Inputs</dt><dd>${product.inputs.length ? product.inputs.map((i) => `<a href="#product-${e(i.product)}">${e(i.product)}</a> ${e(i.version)}`).join(', ') : '<span class="muted">source product</span>'}</dd>
<dt>Limitations</dt><dd>${e(product.limitations)}</dd>
<dt>Usage</dt><dd>${e(product.usage)}</dd>
</dl>
<h3>Published fields</h3>${fieldRows(product.fields)}
<h3>Deprecated fields</h3><div class="deprecated">${deprecatedRows(product.deprecatedFields)}</div>
<h3>Preview fields</h3><div class="preview">${fieldRows(product.previewFields)}</div>
</section>`;
}

export function renderCatalogPage(catalog: Catalog): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data product catalog · meshgate</title><style>${STYLE}</style></head>
<body><header><h1>Data product catalog</h1>
<p class="muted">${catalog.products.length} products · generated ${e(catalog.generatedAt)} · <a href="catalog.json">catalog.json</a></p>
<nav>${catalog.products.map((p) => `<a href="#product-${e(p.name)}">${e(p.name)}</a>`).join('')}<a href="#lineage-graph">lineage</a></nav></header>
<main>
<h2 id="lineage-graph">Lineage</h2>
<p class="muted">Source products on the left, derived products to the right. Solid lines: the field is computed from the source field (<code>@requires</code>); dashed: resolved for an entity the source identifies by its key.</p>
<div class="lineage">${renderLineageSvg(catalog.lineage)}</div>
${catalog.products.map(productSection).join('\n')}
</main></body></html>`;
}
