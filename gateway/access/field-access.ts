import type { AccessRules } from './access-rules.ts';
import type { Principal } from './authentication.ts';
import type { FieldDirectives } from '../supergraph/supergraph-directives.ts';

/** Everything a field-level decision reads: the supergraph's directives and the central rules. */
export interface FieldAccess {
  directives: ReadonlyMap<string, FieldDirectives>;
  rules: AccessRules;
}

/**
 * Why `principal` may not read the field at `coordinate` (`Type.field`), or null when it
 * may. All of these must hold: `@authenticated`, one of the `@requiresScopes` sets, one of
 * the `@policy` sets, and the scopes of the field's classification.
 */
export function fieldRefusal(access: FieldAccess, coordinate: string, principal: Principal): string | null {
  const directives = access.directives.get(coordinate);
  if (directives?.authenticated && !principal.authenticated) return 'requires authentication';
  if (directives?.requiresScopes.length && !directives.requiresScopes.some((set) => set.every((scope) => principal.scopes.has(scope)))) {
    return `requires scope ${directives.requiresScopes.map((set) => set.join(' and ')).join(' or ')}`;
  }
  if (directives?.policies.length) {
    const refusals = directives.policies.map((set) => set.map((name) => access.rules.policyRefusal(name, principal)).find((refusal) => refusal !== null) ?? null);
    if (!refusals.includes(null)) return refusals[0]!;
  }
  const classification = access.rules.classifications.get(coordinate);
  if (classification) {
    const missing = access.rules.classificationScopes[classification].filter((scope) => !principal.scopes.has(scope));
    if (missing.length) return `is classified ${classification} and requires scope ${missing.join(' and ')}`;
  }
  return null;
}
