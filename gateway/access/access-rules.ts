import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIFICATIONS, loadDescriptor, type Classification } from '../../schema/descriptor.ts';
import { loadGovernance, type PolicyDefinition } from '../../schema/governance.ts';
import type { Principal } from './authentication.ts';
import { missingScopes } from './field-access.ts';

/**
 * The central access rules the gateway enforces (governance is defined once, centrally, and applies to every product): which
 * scopes each data classification needs, and the named policies `@policy` refers to.
 *
 * They come from `schema/governance.yaml` through the contract pipeline's own reader
 * (`loadGovernance`), so `meshgate check` and the gateway can never disagree on the file.
 * A gateway deployed without the file (serving a foreign supergraph) uses the defaults below.
 */
export const DEFAULT_CLASSIFICATION_SCOPES: Readonly<Record<Classification, readonly string[]>> = {
  public: [],
  internal: [],
  confidential: ['finance:read'],
  restricted: ['pii:read'],
};

export type NamedPolicy = PolicyDefinition;

/** The policies of the committed governance file, for a gateway run where the file is absent. */
export const DEFAULT_POLICIES: Readonly<Record<string, NamedPolicy>> = {
  'finance-analyst': { description: 'Analysts who may read revenue, spend and margin figures.', requiresScopes: ['finance:read'] },
  'customer-data-steward': { description: 'Stewards who may read personal data of customers.', requiresScopes: ['pii:read'] },
};

export interface AccessRules {
  classificationScopes: Readonly<Record<Classification, readonly string[]>>;
  policies: ReadonlyMap<string, NamedPolicy>;
  /** Classification of each `Type.field` over all products; the strictest wins where two products publish one. */
  classifications: ReadonlyMap<string, Classification>;
  /** Why the named policy does not admit the principal, or null when it does. Unknown policies deny: fail closed. */
  policyRefusal(name: string, principal: Principal): string | null;
}

export function loadAccessRules(options: { governanceFile: string; productsDir: string }): AccessRules {
  const governance = existsSync(options.governanceFile) ? loadGovernance(options.governanceFile) : undefined;
  const policies = new Map(Object.entries(governance?.policies ?? DEFAULT_POLICIES));
  return {
    classificationScopes: governance?.classificationScopes ?? DEFAULT_CLASSIFICATION_SCOPES,
    policies,
    classifications: readClassifications(options.productsDir),
    policyRefusal: (name, principal) => policyRefusal(policies, name, principal),
  };
}

function readClassifications(productsDir: string): Map<string, Classification> {
  const classifications = new Map<string, Classification>();
  if (!existsSync(productsDir)) return classifications;
  for (const entry of readdirSync(productsDir, { withFileTypes: true })) {
    const file = join(productsDir, entry.name, 'product.yaml');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    for (const [coordinate, field] of Object.entries(loadDescriptor(file).fields)) {
      const known = classifications.get(coordinate);
      if (!known || CLASSIFICATIONS.indexOf(field.classification) > CLASSIFICATIONS.indexOf(known)) classifications.set(coordinate, field.classification);
    }
  }
  return classifications;
}

function policyRefusal(policies: ReadonlyMap<string, NamedPolicy>, name: string, principal: Principal): string | null {
  const policy = policies.get(name);
  if (!policy) return `policy "${name}" is not defined in the governance file`;
  const scopes = policy.requiresScopes ?? [];
  if ((policy.requiresAuthentication || scopes.length > 0) && !principal.authenticated) return `policy "${name}" requires authentication`;
  const missing = missingScopes(scopes, principal);
  if (missing.length) return `policy "${name}" requires scope ${missing.join(' and ')}`;
  return null;
}
