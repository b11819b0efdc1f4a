import type { Agreement, AgreementStatus, ProductConsumer } from '../../schema/registry/agreements.ts';
import { page } from './catalog-page.ts';
import { escapeMarkup as e } from '../../schema/base/escape-markup.ts';

/** The badge colour each state takes from the catalog's style: waiting amber, granting green, ended red. */
const BADGE: Record<AgreementStatus, string> = { pending: 'unknown', active: 'fresh', expired: 'stale', rejected: 'stale', revoked: 'stale' };

function decisionList(agreement: Agreement): string {
  const steps = [
    `<li>requested by ${e(agreement.requestedBy)} at ${e(agreement.requestedAt)}</li>`,
    ...agreement.decisions.map((d) => `<li>${e(d.decision)} by ${e(d.decidedBy)} (${e(d.role)}) at ${e(d.decidedAt)}: ${e(d.reason)}</li>`),
  ];
  return `<ul class="history">${steps.join('')}</ul>`;
}

/**
 * The registry's page of access agreements (`/agreements`), all of them or one product's
 * (`?product=`) or one consumer's (`?consumer=`), pending first, each with its history.
 */
export function renderAgreementsPage(agreements: readonly Agreement[], filter: { product?: string | undefined; consumer?: string | undefined }): string {
  const scope = filter.product ? ` of ${e(filter.product)}` : filter.consumer ? ` by ${e(filter.consumer)}` : '';
  const rows = agreements.map((a) => {
    // Asked for by scope: what was asked beside what governance opened with it on this product.
    const scopes = a.scopes.length > 0 ? ` <span class="muted" data-scopes>as ${e(a.scopes.join(', '))}</span>` : '';
    const awaiting = a.status === 'pending' ? ` <span class="muted">awaiting ${e(a.awaiting.join(' and '))}</span>` : '';
    return `<tr data-agreement="${a.id}" data-status="${a.status}"><td>${a.id}</td><td><span class="badge ${BADGE[a.status]}">${a.status}</span>${awaiting}</td><td><a href="agreements?consumer=${encodeURIComponent(a.consumer)}">${e(a.consumer)}</a></td><td><a href="agreements?product=${encodeURIComponent(a.product)}">${e(a.product)}</a></td><td>${a.classifications.map((c) => `<span class="badge class-${e(c)}">${e(c)}</span>`).join(' ')}${scopes}</td><td>${e(a.purpose)}</td><td>${e(a.endsAt)}</td><td>${decisionList(a)}</td></tr>`;
  });
  const table = agreements.length
    ? `<table class="agreements"><thead><tr><th>#</th><th>Status</th><th>Consumer</th><th>Product</th><th>Classifications</th><th>Purpose</th><th>Ends</th><th>History</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="muted">No agreements.</p>';
  return page(
    `Access agreements${filter.product ? ` · ${filter.product}` : filter.consumer ? ` · ${filter.consumer}` : ''} · meshgate registry`,
    `<header><p><a href="catalog">← Data product catalog</a></p><h1>Access agreements${scope}</h1>
<p class="muted">Who reads which product, for what purpose, approved by whom, until when. Pending requests first.</p></header>
<main><section class="panel">${table}</section></main>`,
  );
}

/** A consumer as a product page shows it: the registry knows its owner; a gateway has only the grant. */
export type ShownConsumer = Pick<ProductConsumer, 'consumer' | 'purpose' | 'classifications' | 'endsAt'> & Partial<Pick<ProductConsumer, 'ownerTeam' | 'contact'>>;

/**
 * A product page's panel of its consumers under an active agreement, with their purposes:
 * lineage downstream of the product. The registry's page links each to its agreements; a
 * gateway's catalog has no agreement pages to link to (`links: false`).
 */
export function consumersPanel(product: string, consumers: readonly ShownConsumer[], options: { links: boolean } = { links: true }): string {
  const name = (c: ShownConsumer) => (options.links ? `<a href="../agreements?consumer=${encodeURIComponent(c.consumer)}">${e(c.consumer)}</a>` : e(c.consumer));
  const owners = consumers.some((c) => c.ownerTeam !== undefined);
  const rows = consumers.map(
    (c) =>
      `<tr data-consumer="${e(c.consumer)}"><td>${name(c)}</td>${owners ? `<td>${e(c.ownerTeam ?? '')} <span class="muted">${e(c.contact ?? '')}</span></td>` : ''}<td>${e(c.purpose)}</td><td>${c.classifications.map((l) => e(l)).join(', ')}</td><td>${e(c.endsAt)}</td></tr>`,
  );
  const table = consumers.length
    ? `<table class="consumers"><thead><tr><th>Consumer</th>${owners ? '<th>Owner</th>' : ''}<th>Purpose</th><th>Reads</th><th>Until</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="muted">No consumer holds an active agreement.</p>';
  const all = options.links ? `<p><a href="../agreements?product=${encodeURIComponent(product)}">Every agreement of ${e(product)}, pending first</a></p>` : '';
  return `<section class="panel"><h2 id="consumers">Consumers</h2>${table}${all}</section>`;
}
