import type { Finding } from '../contracts/finding.ts';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { ApprovalRecord, GovernedChange, RegistryStore } from './registry-store.ts';
import type { RegistryPrincipal } from './registry-tokens.ts';

/**
 * Governed changes at the registry: findings no version bump answers, only an approval on
 * record. A refused publish leaves a pending request; a platform or steward principal (or,
 * for a takeover, the owning product) approves or rejects it with a reason; the same publish
 * then goes through. Requests and decisions are never deleted or changed.
 */
const GOVERNED_RULES: ReadonlySet<string> = new Set(['access/weakened', 'ownership/takeover', 'ownership/governance-shadowed']);

export function isGoverned(f: Finding): boolean {
  return GOVERNED_RULES.has(f.rule) && f.change !== undefined;
}

/** The code a publish refused for governed changes alone answers with: a takeover first, it names another team. */
export function governedRefusalCode(governed: readonly Finding[]): MeshErrorCode {
  return governed.some((f) => f.rule.startsWith('ownership/')) ? MeshErrorCode.COORDINATE_TAKEOVER : MeshErrorCode.GOVERNED_CHANGE_UNAPPROVED;
}

/** Changes approved on record for a product, by id. */
export async function approvedChanges(store: RegistryStore, product: string): Promise<Set<string>> {
  const approved = (await store.approvals()).filter((a) => a.product === product && a.status === 'approved');
  return new Set(approved.flatMap((a) => a.changes.map((c) => c.change)));
}

/**
 * The request that asks for `governed`: the pending one for exactly these changes if there
 * is one (a team retrying does not pile up requests), else a new one.
 */
export async function requestApproval(
  store: RegistryStore,
  request: { product: string; version: string | undefined; requestedBy: string; governed: readonly (Finding & { owners?: string[] })[] },
): Promise<ApprovalRecord> {
  const changes: GovernedChange[] = request.governed.map((f) => ({ change: f.change!, rule: f.rule, element: f.element, message: f.message, ...(f.owners ? { owners: f.owners } : {}) }));
  const key = changes
    .map((c) => c.change)
    .sort()
    .join(',');
  const pending = (await store.approvals()).find(
    (a) =>
      a.product === request.product &&
      a.status === 'pending' &&
      a.changes
        .map((c) => c.change)
        .sort()
        .join(',') === key,
  );
  if (pending) return pending;
  const id = await store.addApproval({ product: request.product, version: request.version, changes, requestedBy: request.requestedBy, requestedAt: new Date().toISOString() });
  return (await store.approval(id))!;
}

/** Why `principal` may not decide `request`, or undefined when it may. */
function refusalToDecide(principal: RegistryPrincipal, request: ApprovalRecord): string | undefined {
  // Four eyes: whoever asked never decides, whatever else their token may do.
  if (principal.name === request.requestedBy) return `${principal.name} asked for request ${request.id} and may not decide it`;
  switch (principal.kind) {
    case 'platform':
      return undefined;
    case 'steward':
      return request.changes.some((c) => c.rule === 'ownership/governance-shadowed') ? `Request ${request.id} shadows central governance: only a platform token decides it` : undefined;
    case 'product': {
      // A product consents to taking over what it owns, and to nothing else.
      const own = principal.product !== request.product && request.changes.every((c) => c.rule === 'ownership/takeover' && (c.owners ?? []).includes(principal.product));
      return own ? undefined : `A product token decides only takeovers of its own product's coordinates, never access changes`;
    }
    case 'gateway':
      return 'A gateway token decides nothing';
  }
}

/** Approves or rejects a pending request, on record with who, as what, when and why. */
export async function decideApproval(store: RegistryStore, id: number, principal: RegistryPrincipal, decision: 'approved' | 'rejected', reason: string): Promise<ApprovalRecord> {
  const request = Number.isSafeInteger(id) && id > 0 ? await store.approval(id) : undefined;
  if (!request) throw new MeshError(MeshErrorCode.APPROVAL_UNKNOWN, `There is no approval request ${id}`);
  const refused = refusalToDecide(principal, request);
  if (refused) throw new MeshError(MeshErrorCode.REGISTRY_FORBIDDEN, refused);
  const decided = await store.decideApproval(id, {
    status: decision,
    decidedBy: principal.name,
    decidedAs: principal.kind === 'product' ? `owner ${principal.product}` : principal.kind,
    decidedAt: new Date().toISOString(),
    reason,
  });
  if (!decided) throw new MeshError(MeshErrorCode.APPROVAL_DECIDED, `Request ${id} was decided already (${request.status === 'pending' ? 'just now' : request.status}); a decision is never changed`);
  return (await store.approval(id))!;
}
