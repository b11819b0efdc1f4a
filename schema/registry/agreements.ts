import { createHash } from 'node:crypto';
import { CLASSIFICATIONS, PRODUCT_NAME, safeParseDescriptor, type Classification } from '../product/descriptor.ts';
import { agreementDeciders, classificationsOfScopes, needsAgreement, parseGovernance, type AgreementDecider, type Governance } from '../contracts/governance.ts';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { AgreementDecision, AgreementRequest, AgreementsStore, Consumer, Decision } from './agreements-store.ts';
import type { CurrentMesh } from './registry-store.ts';
import type { RegistryPrincipal } from './registry-tokens.ts';
import { DAY_MS } from '../base/utc-day.ts';

export type { AgreementDecision, AgreementRequest, Consumer, Decision } from './agreements-store.ts';
export { DECISIONS } from './agreements-store.ts';

/**
 * Where an agreement stands, read from its request and the decisions after it: pending
 * until every decider governance asked for has approved; then active until its end date,
 * when it is expired. A rejection or a revocation ends it for good.
 */
const AGREEMENT_STATUSES = ['pending', 'active', 'rejected', 'revoked', 'expired'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/** An agreement as it is listed: the request, its state now, and every decision on it. */
export interface Agreement extends AgreementRequest {
  status: AgreementStatus;
  /** Deciders still to approve (pending only). */
  awaiting: AgreementDecider[];
  decisions: AgreementDecision[];
}

/** One active agreement as a gateway enforces it: the application claim it matches and what it opens. */
export interface AgreementGrant {
  id: number;
  consumer: string;
  application: string;
  product: string;
  classifications: Classification[];
  purpose: string;
  endsAt: string;
}

/**
 * What gateways poll (`GET /v1/agreements`): which classifications need an agreement at all
 * (from governance) and every approved agreement not yet ended. A gateway checks `endsAt`
 * against its own clock, so an agreement stops at its end date between two polls too.
 */
export interface GatewayAgreements {
  /** The classifications that need an agreement; the others are governed by scopes alone. */
  governed: Classification[];
  grants: AgreementGrant[];
}

/** The consumers of one product, with what they read and why: what lineage shows. */
export interface ProductConsumer {
  consumer: string;
  ownerTeam: string;
  contact: string;
  purpose: string;
  classifications: Classification[];
  endsAt: string;
  agreementId: number;
}

export interface ConsumerInput {
  name: string;
  application?: string | undefined;
  ownerTeam: string;
  contact: string;
}

export interface RequestInput {
  consumer: string;
  product: string;
  /** The classifications asked for; with `scopes`, at least one of the two names something. */
  classifications?: Classification[] | undefined;
  /** Scopes asked for: together they stand for what a token holding them would read under agreement (`requestedClassifications`), on this product only. */
  scopes?: string[] | undefined;
  purpose: string;
  /** An ISO timestamp or a `YYYY-MM-DD` day (access then stops as that day begins, UTC). */
  endsAt: string;
}

const PENDING_FIRST: Record<AgreementStatus, number> = { pending: 0, active: 1, expired: 2, rejected: 3, revoked: 4 };

function refuse(code: MeshErrorCode, message: string): MeshError {
  return new MeshError(code, message);
}

/** An end date as an instant; a bare day is its first instant, UTC. */
function endInstant(value: string): Date | undefined {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(at) ? new Date(at) : undefined;
}

/** The state of one request given every decision on it, at `now`. */
function agreementState(request: AgreementRequest, decisions: readonly AgreementDecision[], now: Date): { status: AgreementStatus; awaiting: AgreementDecider[] } {
  if (decisions.some((d) => d.decision === 'revoke')) return { status: 'revoked', awaiting: [] };
  if (decisions.some((d) => d.decision === 'reject')) return { status: 'rejected', awaiting: [] };
  const approved = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.role));
  const awaiting = request.deciders.filter((role) => !approved.has(role));
  if (Date.parse(request.endsAt) <= now.getTime()) return { status: 'expired', awaiting: [] };
  return awaiting.length > 0 ? { status: 'pending', awaiting } : { status: 'active', awaiting: [] };
}

const quoted = (scopes: readonly string[]) => scopes.map((s) => JSON.stringify(s.slice(0, 64))).join(', ');

/**
 * What a request asks for on a product whose fields are of the classifications in `has`:
 * the classifications it names, and those its scopes open together (`classificationsOfScopes`)
 * that need an agreement, on this product's fields only. A classification under no agreement is left out
 * of what a scope asks for: it is read by scope alone, and an agreement for it grants
 * nothing. Refused whole, before anything is kept, when a scope opens nothing among those
 * named (AGREEMENT_SCOPE_UNKNOWN), or when a classification named, or every governed one a
 * scope opens, is missing from the product or needs no agreement (AGREEMENT_CLASSIFICATION_UNKNOWN).
 */
export function requestedClassifications(
  governance: Pick<Governance, 'classificationScopes' | 'agreements'>,
  has: ReadonlySet<Classification>,
  input: { product: string; classifications?: readonly Classification[] | undefined; scopes: readonly string[] },
): Classification[] {
  const { scopes } = input;
  const opened = classificationsOfScopes(governance, scopes);
  const openedBy = (scope: string) => opened.filter((c) => governance.classificationScopes[c].includes(scope));
  const governed = (c: Classification) => needsAgreement(governance.agreements, c);
  const unknown = scopes.filter((scope) => openedBy(scope).length === 0);
  if (unknown.length > 0) {
    // A scope some classification lists beside others opens it only with them: say which.
    const needs = CLASSIFICATIONS.filter((c) => unknown.some((s) => governance.classificationScopes[c].includes(s))).map((c) => `${c} needs ${governance.classificationScopes[c].join(' and ')}`);
    throw refuse(MeshErrorCode.AGREEMENT_SCOPE_UNKNOWN, `Governance opens no classification with ${quoted(unknown)}${needs.length > 0 ? ` among the scopes named (${needs.join('; ')})` : ''}`);
  }
  const ungoverned = scopes.filter((scope) => !openedBy(scope).some(governed));
  if (ungoverned.length > 0) {
    const levels = [...new Set(ungoverned.flatMap(openedBy))];
    throw refuse(MeshErrorCode.AGREEMENT_CLASSIFICATION_UNKNOWN, `${quoted(ungoverned)} opens only ${levels.join(' and ')} data, which needs no agreement under governance; ask only for what does`);
  }
  const byScope = opened.filter((c) => governed(c) && has.has(c));
  const emptyScopes = scopes.filter((scope) => !openedBy(scope).some((c) => governed(c) && has.has(c)));
  const asked = input.classifications ?? [];
  const wanted = CLASSIFICATIONS.filter((c) => asked.includes(c) || byScope.includes(c));
  const missing = asked.filter((c) => !has.has(c));
  if (wanted.length === 0 || missing.length > 0 || emptyScopes.length > 0) {
    const named = [...missing, ...emptyScopes.map((s) => `${openedBy(s).filter(governed).join(' or ')} (${s})`)];
    throw refuse(MeshErrorCode.AGREEMENT_CLASSIFICATION_UNKNOWN, `${input.product} has no ${named.join(' or ') || 'requested'} field; it has ${[...has].join(', ') || 'no classified field'}`);
  }
  const open = asked.filter((c) => !governed(c));
  if (open.length > 0) throw refuse(MeshErrorCode.AGREEMENT_CLASSIFICATION_UNKNOWN, `${open.join(' and ')} data needs no agreement under governance; ask only for what does`);
  return wanted;
}

/**
 * Consumers and access agreements: a consumer (an application with an owner team) asks to
 * read one product's data of some classifications for a stated purpose until an end date;
 * the product's owner (its product token) and, where governance says so, a steward decide.
 * Every request and decision is kept; revoking is a decision too. Writes run one at a time.
 */
export class Agreements {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: { mesh(): Promise<CurrentMesh>; store: { agreements: AgreementsStore } },
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get store(): AgreementsStore {
    return this.registry.store.agreements;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  private async governance(mesh?: CurrentMesh): Promise<Governance> {
    return parseGovernance((mesh ?? (await this.registry.mesh())).governance, 'registry governance');
  }

  registerConsumer(input: ConsumerInput, principal: RegistryPrincipal): Promise<Consumer> {
    if (!PRODUCT_NAME.test(input.name)) throw refuse(MeshErrorCode.BAD_REQUEST, `"${input.name.slice(0, 64)}" is not a consumer name: lower-case words joined by "-"`);
    if (principal.kind === 'consumer' && principal.consumer !== input.name) {
      throw refuse(MeshErrorCode.AGREEMENT_NOT_YOURS, `The token of consumer "${principal.consumer}" may not register "${input.name}"`);
    }
    if (principal.kind !== 'consumer' && principal.kind !== 'platform') throw refuse(MeshErrorCode.REGISTRY_FORBIDDEN, `A ${principal.kind} token may not register a consumer`);
    return this.serialize(async () => {
      const application = input.application ?? input.name;
      if ((await this.store.consumer(input.name)) || (await this.store.consumerByApplication(application))) {
        throw refuse(MeshErrorCode.CONSUMER_EXISTS, `A consumer named "${input.name}" or with application "${application.slice(0, 100)}" is already registered`);
      }
      const consumer: Consumer = { name: input.name, application, ownerTeam: input.ownerTeam, contact: input.contact, registeredBy: principal.name, registeredAt: this.now().toISOString() };
      await this.store.addConsumer(consumer);
      return consumer;
    });
  }

  /** Records a request; refused before anything is kept when it cannot be granted as asked. */
  request(input: RequestInput, principal: RegistryPrincipal): Promise<Agreement> {
    if (principal.kind === 'gateway') throw refuse(MeshErrorCode.REGISTRY_FORBIDDEN, 'A gateway token may not request access');
    if (principal.kind === 'consumer' && principal.consumer !== input.consumer) {
      throw refuse(MeshErrorCode.AGREEMENT_NOT_YOURS, `The token of consumer "${principal.consumer}" may not request access for "${input.consumer.slice(0, 64)}"`);
    }
    return this.serialize(async () => {
      if (!(await this.store.consumer(input.consumer))) throw refuse(MeshErrorCode.CONSUMER_UNKNOWN, `No consumer "${input.consumer.slice(0, 64)}" is registered`);
      const mesh = await this.registry.mesh();
      const version = mesh.products.find((p) => p.product === input.product);
      if (!version) throw refuse(MeshErrorCode.PRODUCT_UNKNOWN, `No version of product "${input.product.slice(0, 64)}" is served`);
      const parsed = safeParseDescriptor(version.descriptor);
      const has = new Set(parsed.ok ? Object.values(parsed.descriptor.fields).map((f) => f.classification) : []);
      const governance = await this.governance(mesh);
      const scopes = [...new Set(input.scopes ?? [])];
      // Resolved now, not when enforced: the deciders approve these classifications, and a later
      // governance change that gives the scopes more cannot widen an agreement already approved.
      const wanted = requestedClassifications(governance, has, { product: input.product, classifications: input.classifications, scopes });
      const now = this.now();
      const ends = endInstant(input.endsAt);
      const { maxTermDays } = governance.agreements;
      const longest = new Date(now.getTime() + maxTermDays * DAY_MS);
      if (!ends || ends <= now) throw refuse(MeshErrorCode.AGREEMENT_TERM_INVALID, `The end date ${JSON.stringify(input.endsAt.slice(0, 40))} is not a date in the future`);
      if (ends > longest) throw refuse(MeshErrorCode.AGREEMENT_TERM_INVALID, `The end date ${ends.toISOString()} is past governance's longest term of ${maxTermDays} days (${longest.toISOString()})`);
      const request: Omit<AgreementRequest, 'id'> = {
        consumer: input.consumer,
        product: input.product,
        classifications: wanted,
        scopes,
        purpose: input.purpose,
        endsAt: ends.toISOString(),
        deciders: agreementDeciders(governance.agreements, wanted),
        requestedBy: principal.name,
        requestedAt: now.toISOString(),
      };
      const id = await this.store.addRequest(request);
      return { id, ...request, ...agreementState({ id, ...request }, [], now), decisions: [] };
    });
  }

  /**
   * Records a decision. The product's owner decides with that product's token, a steward
   * with a steward token where governance asks one; the platform may only revoke. Nobody
   * approves a request they made.
   */
  decide(id: number, decision: Decision, reason: string, principal: RegistryPrincipal): Promise<Agreement> {
    return this.serialize(async () => {
      const request = Number.isSafeInteger(id) && id > 0 ? await this.store.request(id) : undefined;
      if (!request) throw refuse(MeshErrorCode.AGREEMENT_UNKNOWN, `There is no agreement ${id}`);
      const role = this.roleOf(principal, request, decision);
      const now = this.now();
      const before = await this.decisionsOf(id);
      const state = agreementState(request, before, now);
      if (decision === 'revoke') {
        if (state.status !== 'active' && state.status !== 'pending') throw refuse(MeshErrorCode.AGREEMENT_NOT_PENDING, `Agreement ${id} is ${state.status}: there is nothing to revoke`);
      } else {
        if (state.status !== 'pending') throw refuse(MeshErrorCode.AGREEMENT_NOT_PENDING, `Agreement ${id} is ${state.status}: only a pending request is approved or rejected`);
        if (!state.awaiting.includes(role as AgreementDecider)) throw refuse(MeshErrorCode.AGREEMENT_NOT_PENDING, `The ${role} already decided on agreement ${id}`);
        if (decision === 'approve' && request.requestedBy === principal.name) {
          throw refuse(MeshErrorCode.AGREEMENT_SELF_APPROVAL, `${principal.name} requested agreement ${id} and may not approve it`);
        }
      }
      await this.store.addDecision({ agreementId: id, decision, role, decidedBy: principal.name, decidedAt: now.toISOString(), reason });
      const after = await this.decisionsOf(id);
      return { ...request, ...agreementState(request, after, now), decisions: after };
    });
  }

  /** The role `principal` decides in on `request`, or a refusal saying why it may not. */
  private roleOf(principal: RegistryPrincipal, request: AgreementRequest, decision: Decision): AgreementDecision['role'] {
    switch (principal.kind) {
      case 'product':
        if (principal.product !== request.product)
          throw refuse(MeshErrorCode.AGREEMENT_NOT_YOURS, `The token of "${principal.product}" may not decide on agreement ${request.id}, which is for "${request.product}"`);
        return 'owner';
      case 'steward':
        // A revocation is a steward's to make on any agreement; approving, only where governance asks a steward.
        if (decision !== 'revoke' && !request.deciders.includes('steward'))
          throw refuse(MeshErrorCode.AGREEMENT_NOT_YOURS, `Governance asks no steward decision on agreement ${request.id} (${request.classifications.join(', ')})`);
        return 'steward';
      case 'platform':
        if (decision !== 'revoke') throw refuse(MeshErrorCode.REGISTRY_FORBIDDEN, 'The platform may revoke an agreement but not approve or reject one: the owner and stewards decide');
        return 'platform';
      default:
        throw refuse(MeshErrorCode.REGISTRY_FORBIDDEN, `A ${principal.kind} token may not decide on agreements`);
    }
  }

  private async decisionsOf(id: number): Promise<AgreementDecision[]> {
    return (await this.store.decisions()).filter((d) => d.agreementId === id);
  }

  /** Every agreement with its state and history, pending first, then newest first; optionally one product's or one consumer's. */
  async list(filter: { product?: string | undefined; consumer?: string | undefined } = {}): Promise<Agreement[]> {
    const [requests, decisions] = [await this.store.requests(), await this.store.decisions()];
    const now = this.now();
    return requests
      .filter((r) => (filter.product === undefined || r.product === filter.product) && (filter.consumer === undefined || r.consumer === filter.consumer))
      .map((request) => {
        const own = decisions.filter((d) => d.agreementId === request.id);
        return { ...request, ...agreementState(request, own, now), decisions: own };
      })
      .sort((a, b) => PENDING_FIRST[a.status] - PENDING_FIRST[b.status] || b.id - a.id);
  }

  async agreement(id: number): Promise<Agreement> {
    const found = (await this.list()).find((a) => a.id === id);
    if (!found) throw refuse(MeshErrorCode.AGREEMENT_UNKNOWN, `There is no agreement ${id}`);
    return found;
  }

  consumers(): Promise<Consumer[]> {
    return this.store.consumers();
  }

  /** Each product's consumers under an active agreement, by product name. */
  async consumersByProduct(): Promise<Map<string, ProductConsumer[]>> {
    const consumers = new Map((await this.store.consumers()).map((c) => [c.name, c]));
    const byProduct = new Map<string, ProductConsumer[]>();
    for (const agreement of await this.list()) {
      const consumer = consumers.get(agreement.consumer);
      if (agreement.status !== 'active' || !consumer) continue;
      const list = byProduct.get(agreement.product) ?? [];
      list.push({
        consumer: consumer.name,
        ownerTeam: consumer.ownerTeam,
        contact: consumer.contact,
        purpose: agreement.purpose,
        classifications: agreement.classifications,
        endsAt: agreement.endsAt,
        agreementId: agreement.id,
      });
      byProduct.set(agreement.product, list);
    }
    return byProduct;
  }

  /** What gateways enforce, and its ETag: a new decision, a new governance or an agreement ending changes it. */
  async forGateways(): Promise<{ document: GatewayAgreements; etag: string }> {
    const governance = await this.governance();
    const consumers = new Map((await this.store.consumers()).map((c) => [c.name, c]));
    const grants = (await this.list())
      .filter((a) => a.status === 'active' && consumers.has(a.consumer))
      .map((a) => ({
        id: a.id,
        consumer: a.consumer,
        application: consumers.get(a.consumer)!.application,
        product: a.product,
        classifications: a.classifications,
        purpose: a.purpose,
        endsAt: a.endsAt,
      }))
      .sort((a, b) => a.id - b.id);
    const document: GatewayAgreements = { governed: CLASSIFICATIONS.filter((c) => needsAgreement(governance.agreements, c)), grants };
    return { document, etag: `"${createHash('sha256').update(JSON.stringify(document)).digest('hex').slice(0, 32)}"` };
  }
}
