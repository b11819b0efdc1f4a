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
 * The identity of an execution's answer: everything that reaches the products (the schema, the
 * operation after access pruning, its name and variables, the preview variant, the forwarded
 * claims), and nothing else: never the token, subject, scopes or client. Requests with one
 * identity share an execution in flight and a kept whole answer; undefined means the request
 * runs alone (mutations and subscriptions). The life-cycle document ("What callers share")
 * gives each part its reason, and what each caller still gets applied to its own copy.
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
