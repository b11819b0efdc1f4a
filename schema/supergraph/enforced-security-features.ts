import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';

/**
 * Apollo Gateway refuses a supergraph that links a `for: SECURITY` feature it does not
 * implement, and rightly: serving `@authenticated` fields without checking them would open
 * what the schema closes. meshgate checks these three itself (its access stage, through the access policy plugin),
 * so it declares them supported before the gateway loads a supergraph. The set is the one
 * Apollo's own `Supergraph.build` reads; Apollo Router supports the same three.
 */
export const ENFORCED_SECURITY_FEATURES = ['https://specs.apollo.dev/authenticated/v0.1', 'https://specs.apollo.dev/requiresScopes/v0.1', 'https://specs.apollo.dev/policy/v0.1'] as const;

export function declareEnforcedSecurityFeatures(): void {
  for (const feature of ENFORCED_SECURITY_FEATURES) DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES.add(feature);
}
