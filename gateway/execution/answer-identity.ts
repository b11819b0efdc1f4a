import type { Principal } from '../access/authentication.ts';
import { forwardedClaimsKey } from '../access/forwarded-claims.ts';
import type { GatewayContext } from '../gateway-context.ts';

/** The part of Apollo's executor request an answer's identity is read from. */
export interface ExecutedRequest {
  operation: { operation: string };
  /** The access plugin's hash of the pruned document when it pruned, Apollo's hash of the query text otherwise. */
  queryHash: string;
  operationName: string | null;
  request: { variables?: Record<string, unknown> | null };
  context: unknown;
}

/**
 * The identity of an execution's answer: everything that reaches the products, and nothing
 * else. Requests with the same identity share one execution while it is in flight and one
 * kept whole answer (`ExecutionSharing`, `AnswerCache`); undefined means the
 * request must run on its own (mutations and subscriptions).
 *
 * In it:
 * - the schema the operation is planned against (`schemaId`: a reload plans afresh);
 * - the operation as executed: after access pruning, which rewrites the document per
 *   caller and hashes the pruned one (`enforceOperationAccess`). Callers whose rights cut
 *   different fields get different documents; callers with equal rights, the same one;
 * - the operation name and the variables, as sent;
 * - the API schema variant: whether the caller opted in to preview. The executor answers
 *   introspection beside data from the full API schema, so an opted-in caller's answer may
 *   differ from another's even for the same document;
 * - the caller claims forwarded to products (`forwardedClaims`; none today).
 *
 * Never the token, subject, scopes or client: products are told none of them, and what they
 * decide (which fields a caller may read, may filter by, may see in preview) is already in
 * the operation, or refused it before execution (FORBIDDEN_ARGUMENT, PREVIEW_FIELD_NOT_ENABLED,
 * INTROSPECTION_DISABLED, rate and cost limits). What is shaped per caller AFTER execution is
 * applied to that caller's own copy, never to the shared answer: FORBIDDEN_FIELD nulls and
 * errors (`applyDenials`), introspection answered again without
 * preview fields, error masking, request ids, product signals and cost.
 */
export function answerIdentity(request: ExecutedRequest, schemaId: number): string | undefined {
  if (request.operation.operation !== 'query') return undefined;
  const context = request.context as Partial<GatewayContext>;
  // A deferring execution hands its later parts to its own response only.
  if (context.incremental?.deferring) return undefined;
  return JSON.stringify([
    schemaId,
    request.queryHash,
    request.operationName,
    request.request.variables ?? null,
    context.previewOptIn === true,
    forwardedClaimsKey(context.principal as Principal | undefined),
    // Progressive @override: the same operation under other labels runs another plan.
    ...(context.overrideLabels && context.overrideLabels.length > 0 ? [context.overrideLabels] : []),
  ]);
}
