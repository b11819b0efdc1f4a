import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCT_NAME } from '../../schema/product/descriptor.ts';
import { writeMeshFolder } from '../../schema/registry/mesh-folder.ts';
import type { Registry } from '../../schema/registry/registry.ts';
import type { RegistryPages } from '../../schema/registry/registry-server.ts';
import type { ApprovalRecord, Build, CheckRecord, ProductVersion } from '../../schema/registry/registry-store.ts';
import { consumersPanel, renderAgreementsPage } from './agreement-pages.ts';
import { buildCatalog, type Catalog } from './catalog-data.ts';
import { page, renderCatalogRoute, type CatalogSite } from './catalog-page.ts';
import { escapeMarkup as e } from '../../schema/base/escape-markup.ts';
import { isUnrouted } from '../../schema/registry/routing-url.ts';

/** Newest checks shown on a product's page: a busy product's history is long, and the API has all of it. */
const CHECKS_SHOWN = 100;

export interface RegistryPagesOptions {
  /**
   * Longest one catalog is served for a build: the recent usage of deprecated fields moves
   * while the build stays. @default 30000
   */
  maxAgeMs?: number;
  now?: () => number;
}

/** The names of the products a composed supergraph routes to. */
function servedBy(supergraphSdl: string | undefined): Set<string> {
  return new Set([...(supergraphSdl ?? '').matchAll(/join__graph\(name: "([^"]+)"/g)].map((m) => m[1]!));
}

function versionRows(versions: readonly ProductVersion[]): string {
  if (versions.length === 0) return '<p class="muted">None.</p>';
  // A version imported, or published without --url, routes nowhere: say so rather than show a placeholder host.
  const reached = (v: ProductVersion) => (v.url === undefined || isUnrouted(v.url) ? '<span class="badge stale" data-no-url>no URL yet</span>' : `<code>${e(v.url)}</code>`);
  const rows = [...versions]
    .reverse()
    .map((v) => `<tr data-version="${e(v.version)}"><td><code>${e(v.version)}</code></td><td>${e(v.publishedBy)}</td><td>${e(v.publishedAt)}</td><td>${v.checkId}</td><td>${reached(v)}</td></tr>`);
  return `<table class="versions"><thead><tr><th>Version</th><th>Published by</th><th>At</th><th>Check</th><th>Gateways reach it at</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function checkRows(checks: readonly CheckRecord[]): string {
  if (checks.length === 0) return '<p class="muted">None.</p>';
  const shown = checks.slice(-CHECKS_SHOWN).reverse();
  const rows = shown.map((c) => {
    const findings = c.findings.length
      ? `<ul>${c.findings.map((f) => `<li><code>${e(f.rule)}</code> <code>${e(f.element)}</code>: ${e(f.message)}</li>`).join('')}</ul>`
      : '<span class="muted">no findings</span>';
    return `<tr data-check="${c.id}"><td>${c.id}</td><td><span class="badge ${c.ok ? 'fresh' : 'stale'}">${c.ok ? 'ok' : 'refused'}</span></td><td><code>${e(c.version ?? '—')}</code></td><td>${e(c.requestedBy)}</td><td>${e(c.checkedAt)}</td><td>${findings}</td></tr>`;
  });
  const more = checks.length > shown.length ? `<p class="muted">The newest ${shown.length} of ${checks.length} checks.</p>` : '';
  return `${more}<table class="checks"><thead><tr><th>Check</th><th>Outcome</th><th>Version</th><th>By</th><th>At</th><th>Findings</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderBuildsPage(builds: readonly Build[]): string {
  const current = builds.at(-1)?.number;
  const rows = [...builds]
    .reverse()
    .map(
      (b) =>
        `<tr data-build="${b.number}"><td>${b.number}</td><td>${e(b.createdAt)}</td><td>${e(b.reason)}</td><td>${b.number === current ? '<span class="badge fresh">current</span>' : ''}</td></tr>`,
    );
  return page(
    'Builds · meshgate registry',
    `<header><p><a href="catalog">← Data product catalog</a></p><h1>Builds</h1>
<p class="muted">Every composed supergraph, immutable and numbered; the newest is current, and a rollback is a new build.</p></header>
<main><section class="panel">${builds.length ? `<table class="builds"><thead><tr><th>Build</th><th>Created</th><th>Reason</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">No build yet: nothing has been published.</p>'}</section></main>`,
  );
}

function approvalRows(requests: readonly ApprovalRecord[], decided: boolean): string {
  if (requests.length === 0) return '<p class="muted">None.</p>';
  const rows = [...requests].reverse().map((a) => {
    const changes = `<ul>${a.changes.map((c) => `<li><code>${e(c.rule)}</code> <code>${e(c.element)}</code>: ${e(c.message)}${c.owners?.length ? ` <span class="muted">(owned by ${e(c.owners.join(', '))})</span>` : ''}</li>`).join('')}</ul>`;
    const decision = decided
      ? `<td><span class="badge ${a.status === 'approved' ? 'fresh' : 'stale'}">${e(a.status)}</span></td><td>${e(a.decidedBy ?? '')} <span class="muted">(${e(a.decidedAs ?? '')})</span></td><td>${e(a.decidedAt ?? '')}</td><td>${e(a.reason ?? '')}</td>`
      : '';
    return `<tr data-approval="${a.id}"><td>${a.id}</td><td>${e(a.product)} <code>${e(a.version ?? '—')}</code></td><td>${e(a.requestedBy)}</td><td>${e(a.requestedAt)}</td><td>${changes}</td>${decision}</tr>`;
  });
  const head = `<th>Request</th><th>Product</th><th>Asked by</th><th>At</th><th>Governed changes</th>${decided ? '<th>Decision</th><th>By</th><th>At</th><th>Why</th>' : ''}`;
  return `<table class="approvals"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Governed changes, pending then decided: every request stays on record with its decision. */
function renderApprovalsPage(requests: readonly ApprovalRecord[]): string {
  const pending = requests.filter((a) => a.status === 'pending');
  const decided = requests.filter((a) => a.status !== 'pending');
  return page(
    'Governed changes · meshgate registry',
    `<header><p><a href="catalog">← Data product catalog</a></p><h1>Governed changes</h1>
<p class="muted">Access weakened or coordinates taken over: a publish waits for a platform or steward decision (an owning product consents to a takeover of its own field). <code>meshgate registry approvals approve &lt;id&gt; --reason "…"</code> decides one.</p></header>
<main><section class="panel"><h2 id="pending">Pending (${pending.length})</h2>${approvalRows(pending, false)}</section>
<section class="panel"><h2 id="decided">Decided (${decided.length})</h2>${approvalRows(decided, true)}</section></main>`,
  );
}

/**
 * The registry's read-only pages, reusing the gateway's catalog for the products of the
 * current build: `/catalog` (list and search), `/catalog/<product>` (the catalog's page
 * plus its version and check history), `/builds` and `/approvals` (governed changes). The catalog reads a mesh folder, so
 * the current build is laid out as one (as the registry's checks do), once per build.
 */
export function registryPages(registry: Registry, options: RegistryPagesOptions = {}): { render: RegistryPages; close(): void } {
  const work = mkdtempSync(join(tmpdir(), 'meshgate-registry-pages-'));
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const now = options.now ?? Date.now;
  let cached: { build: number; builtAt: number; catalog: Promise<Catalog> } | undefined;

  const build = async (): Promise<Catalog> => {
    const mesh = await registry.mesh();
    const number = mesh.build?.number ?? 0;
    // One folder per build: the catalog's mesh loader caches governance by path, and a build's governance never changes.
    const dir = join(work, `build-${number}`);
    const files = mesh.products.map((p) => ({ name: p.product, descriptor: p.descriptor, sdl: p.sdl }));
    try {
      writeMeshFolder(dir, { products: files, baselines: files, governance: mesh.governance });
      return await buildCatalog({ meshRoot: dir, served: servedBy((await registry.supergraph())?.sdl), usage: registry.usage });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const catalog = async (): Promise<Catalog> => {
    const current = (await registry.store.currentBuild())?.number ?? 0;
    if (!cached || cached.build !== current || now() - cached.builtAt >= maxAgeMs) {
      const entry = { build: current, builtAt: now(), catalog: build() };
      cached = entry;
      // A failed build is not kept: the next request tries again.
      entry.catalog.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.catalog;
  };

  const render: RegistryPages = async ({ path, query }) => {
    if (path === '/builds') return { status: 200, html: renderBuildsPage(await registry.store.builds()) };
    if (path === '/agreements') {
      // A filter that is no name is no filter at all: nothing a caller types reaches the page unescaped or the query.
      const named = (key: string) => (PRODUCT_NAME.test(query.get(key) ?? '') ? query.get(key)! : undefined);
      const filter = { product: named('product'), consumer: named('consumer') };
      return { status: 200, html: renderAgreementsPage(await registry.agreements.list(filter), filter) };
    }
    if (path === '/approvals') return { status: 200, html: renderApprovalsPage(await registry.approvals()) };
    const listPath = path === '/' ? '/catalog' : path;
    if (listPath !== '/catalog' && !listPath.startsWith('/catalog/')) return undefined;
    const name = listPath.slice('/catalog/'.length);
    const history =
      listPath !== '/catalog' && PRODUCT_NAME.test(name) ? await Promise.all([registry.store.productHistory(name), registry.store.checks(name), registry.agreements.consumersByProduct()]) : undefined;
    const site: CatalogSite = {
      explorer: false,
      links: [
        { href: 'builds', label: 'builds' },
        { href: 'agreements', label: 'access agreements' },
        { href: 'approvals', label: 'governed changes' },
      ],
      productPanels: () =>
        history
          ? `${consumersPanel(name, history[2].get(name) ?? [])}\n<section class="panel"><h2 id="versions">Version history</h2>${versionRows(history[0])}</section>\n<section class="panel"><h2 id="checks">Check history</h2>${checkRows(history[1])}</section>`
          : '',
    };
    return renderCatalogRoute(await catalog(), listPath, query, site);
  };

  return { render, close: () => rmSync(work, { recursive: true, force: true }) };
}
