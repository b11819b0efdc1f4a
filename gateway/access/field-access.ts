import type { AgreementAccess } from './agreement-access.ts';
import type { Principal } from './authentication.ts';
import type { ContractPolicy } from '../../schema/supergraph/contract-directives.ts';
import type { FieldDirectives } from '../../schema/supergraph/supergraph-directives.ts';
import type { SupergraphModel } from '../../schema/supergraph/supergraph-model.ts';

/**
 * Whether a principal may read a field (`Type.field`): the one place a field-level
 * decision is made. Everything it decides by comes from the supergraph, swapped whole when
 * a new one loads (so a request sees one consistent set): the access directives, and the
 * named policies composition compiled from central governance. The gateway reads no
 * governance or descriptor file: a gateway and the registry can never disagree on the rules.
 */
export class FieldAccess {
  private directives: ReadonlyMap<string, FieldDirectives> = new Map();
  private policies: ReadonlyMap<string, ContractPolicy> = new Map();
  /** What each argument or input field reveals (`@meshgate__exposes`): `refusedArguments` refuses its use to a caller who may not read that. */
  exposures: ReadonlyMap<string, readonly string[]> = new Map();

  /** @param agreements access agreements, when the gateway enforces them: asked after every other rule holds. */
  constructor(private readonly agreements?: AgreementAccess) {}

  /** Takes the rules of a newly loaded supergraph (read from its core SDL: the API schema has them stripped). */
  load(model: SupergraphModel): void {
    this.agreements?.load(model);
    this.directives = model.access;
    this.policies = model.contract.policies;
    this.exposures = model.contract.exposures;
  }

  /**
   * Why `principal` may not read the field at `coordinate`, or null when it may. All of
   * these must hold: `@authenticated`, one of the `@requiresScopes` sets and one of the
   * `@policy` sets. A classification's scopes are among the `@requiresScopes`: composition
   * compiled them there. Then, where the gateway enforces them, an access agreement.
   */
  refusal(coordinate: string, principal: Principal): string | null {
    const directives = this.directives.get(coordinate);
    if (directives?.authenticated && !principal.authenticated) return 'requires authentication';
    if (directives?.requiresScopes.length && !directives.requiresScopes.some((set) => missingScopes(set, principal).length === 0)) {
      return `requires scope ${directives.requiresScopes.map((set) => set.join(' and ')).join(' or ')}`;
    }
    if (directives?.policies.length) {
      const refusals = directives.policies.map((set) => set.map((name) => this.policyRefusal(name, principal)).find((refusal) => refusal !== null) ?? null);
      if (!refusals.includes(null)) return refusals[0]!;
    }
    return this.agreements?.refusal(coordinate, principal) ?? null;
  }

  /** Why the named policy does not admit the principal, or null when it does. A policy the supergraph does not define denies: fail closed. */
  private policyRefusal(name: string, principal: Principal): string | null {
    const policy = this.policies.get(name);
    // Read after "it": "Not authorized to read Customer.churnRisk: it falls under policy …".
    if (!policy) return `falls under policy "${name}", which the supergraph does not define`;
    if ((policy.requiresAuthentication || policy.requiresScopes.length > 0) && !principal.authenticated) return `falls under policy "${name}", which requires authentication`;
    const missing = missingScopes(policy.requiresScopes, principal);
    if (missing.length) return `falls under policy "${name}", which requires scope ${missing.join(' and ')}`;
    return null;
  }
}

/** The scopes of `required` the principal lacks. */
function missingScopes(required: readonly string[], principal: Principal): string[] {
  return required.filter((scope) => !principal.scopes.has(scope));
}
