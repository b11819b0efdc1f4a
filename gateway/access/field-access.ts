import type { AccessRules } from './access-rules.ts';
import type { Principal } from './authentication.ts';
import { readFieldDirectives, type FieldDirectives } from '../supergraph/supergraph-directives.ts';

/**
 * Whether a principal may read a field (`Type.field`): the one place a field-level
 * decision is made. It reads the supergraph's access directives, swapped whole when a new
 * supergraph loads (so a request sees one consistent set), and the central rules.
 */
export class FieldAccess {
  private directives: ReadonlyMap<string, FieldDirectives> = new Map();

  constructor(private readonly rules: AccessRules) {}

  /** Reads the access directives of a newly loaded supergraph (its core SDL: the API schema has them stripped). */
  load(coreSupergraphSdl: string): void {
    this.directives = readFieldDirectives(coreSupergraphSdl);
  }

  /**
   * Why `principal` may not read the field at `coordinate`, or null when it may. All of
   * these must hold: `@authenticated`, one of the `@requiresScopes` sets, one of the
   * `@policy` sets, and the scopes of the field's classification.
   */
  refusal(coordinate: string, principal: Principal): string | null {
    const directives = this.directives.get(coordinate);
    if (directives?.authenticated && !principal.authenticated) return 'requires authentication';
    if (directives?.requiresScopes.length && !directives.requiresScopes.some((set) => missingScopes(set, principal).length === 0)) {
      return `requires scope ${directives.requiresScopes.map((set) => set.join(' and ')).join(' or ')}`;
    }
    if (directives?.policies.length) {
      const refusals = directives.policies.map((set) => set.map((name) => this.rules.policyRefusal(name, principal)).find((refusal) => refusal !== null) ?? null);
      if (!refusals.includes(null)) return refusals[0]!;
    }
    const classification = this.rules.classifications.get(coordinate);
    if (classification) {
      const missing = missingScopes(this.rules.classificationScopes[classification], principal);
      if (missing.length) return `is classified ${classification} and requires scope ${missing.join(' and ')}`;
    }
    return null;
  }
}

/** The scopes of `required` the principal lacks. */
export function missingScopes(required: readonly string[], principal: Principal): string[] {
  return required.filter((scope) => !principal.scopes.has(scope));
}
