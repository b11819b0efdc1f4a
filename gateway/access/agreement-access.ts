import type { Classification } from '../../schema/product/descriptor.ts';
import type { AgreementGrant, GatewayAgreements } from '../../schema/registry/agreements.ts';
import type { SupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import type { Principal } from './authentication.ts';

/** What a governed field needs: its classification and the products that answer it. */
interface GovernedField {
  classification: Classification;
  products: readonly string[];
}

/**
 * Access agreements at the gateway: a field whose classification governance puts under
 * agreement is read only by a caller whose verified application holds an active agreement
 * with a product that answers the field, for that classification. This holds on top of the
 * token's scopes (`FieldAccess` asks both). Fields come from the supergraph, agreements from
 * the registry (`watchRegistryAgreements`); both are swapped whole, and an agreement's
 * end date is checked against the clock on every request, so it stops between two polls.
 */
export class AgreementAccess {
  private classified: { coordinate: string; classification: Classification; products: readonly string[] }[] = [];
  private governed: ReadonlyMap<string, GovernedField> = new Map();
  private grants: ReadonlyMap<string, readonly AgreementGrant[]> = new Map();
  private governedLevels: ReadonlySet<Classification> = new Set();

  constructor(
    private readonly applicationClaim: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads each classified field's classification and products from a newly loaded (core) supergraph. */
  load(model: SupergraphModel): void {
    const { classifications } = model.contract;
    const { fields } = model.lineage;
    this.classified = [...classifications].map(([coordinate, classification]) => ({ coordinate, classification, products: fields.get(coordinate)?.resolvedBy ?? [] }));
    this.index();
  }

  /** Takes the registry's agreements document: which classifications are governed, and the active grants. */
  update(document: GatewayAgreements): void {
    this.governedLevels = new Set(document.governed);
    const byApplication = new Map<string, AgreementGrant[]>();
    for (const grant of document.grants) byApplication.set(grant.application, [...(byApplication.get(grant.application) ?? []), grant]);
    this.grants = byApplication;
    this.index();
  }

  /** The grants on `product` that have not ended: its consumers, as the gateway's catalog shows them. */
  consumersOf(product: string): AgreementGrant[] {
    return [...this.grants.values()]
      .flat()
      .filter((g) => g.product === product && this.running(g))
      .sort((a, b) => a.consumer.localeCompare(b.consumer) || a.id - b.id);
  }

  /**
   * The registry consumer whose agreements name `application`, or undefined when the gateway
   * holds none for it that has not ended: an agreement stops at its end date, not at the next poll.
   */
  consumerOf(application: string): string | undefined {
    return this.grants.get(application)?.find((g) => this.running(g))?.consumer;
  }

  /** Whether `grant` has not reached its end date by the clock: checked at each use, so a grant stops between polls. */
  private running(grant: AgreementGrant): boolean {
    return Date.parse(grant.endsAt) > this.now();
  }

  private index(): void {
    this.governed = new Map(this.classified.filter((f) => this.governedLevels.has(f.classification)).map((f) => [f.coordinate, { classification: f.classification, products: f.products }]));
  }

  /** Why `principal` may not read `coordinate` for want of an agreement, or null when no agreement is needed or one grants it. */
  refusal(coordinate: string, principal: Principal): string | null {
    const field = this.governed.get(coordinate);
    if (!field) return null;
    const products = field.products.join(' or ') || 'its product';
    const needs = `requires an access agreement with ${products} for ${field.classification} data`;
    if (!principal.application) return `${needs}, and the caller's token names no application (claim "${this.applicationClaim}")`;
    const granting = (this.grants.get(principal.application) ?? []).filter((g) => field.products.includes(g.product) && g.classifications.includes(field.classification));
    if (granting.some((g) => this.running(g))) return null;
    const ended = granting.map((g) => `agreement ${g.id} ended ${g.endsAt}`);
    return `${needs}; application "${principal.application}" has ${ended.length > 0 ? `none active (${ended.join('; ')})` : 'none'}`;
  }
}
