import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CLASSIFICATIONS, describeIssues, loadDescriptor, type Classification } from '../schema/descriptor.ts';
import type { Principal } from './authentication.ts';
import { ConfigError, MeshErrorCode } from './error-codes.ts';

/**
 * The central access rules the gateway enforces (rule 5: federated governance): which
 * scopes each data classification needs, and the named policies `@policy` refers to.
 *
 * This reads only those two keys of `schema/governance.yaml` and ignores the rest of the
 * file (lint rules and the like belong to the contract pipeline). Without the file, the
 * defaults below apply.
 */
export const DEFAULT_CLASSIFICATION_SCOPES: Readonly<Record<Classification, readonly string[]>> = {
  public: [],
  internal: [],
  confidential: ['finance:read'],
  restricted: ['pii:read'],
};

// The shape of schema/governance.ts (contracts pipeline); other keys are tolerated here.
const policySchema = z.object({
  description: z.string().optional(),
  /** Every scope listed is required. */
  requiresScopes: z.array(z.string().min(1)).optional(),
  /** Only callers with a verified identity; implied by `requiresScopes`. */
  requiresAuthentication: z.boolean().optional(),
});

/** The policies of the committed governance file, for a gateway run where the file is absent. */
export const DEFAULT_POLICIES: Readonly<Record<string, z.input<typeof policySchema>>> = {
  'finance-analyst': { description: 'Analysts who may read revenue, spend and margin figures.', requiresScopes: ['finance:read'] },
  'customer-data-steward': { description: 'Stewards who may read personal data of customers.', requiresScopes: ['pii:read'] },
};

const governanceSchema = z.looseObject({
  classificationScopes: z.partialRecord(z.enum(CLASSIFICATIONS), z.array(z.string().min(1))).optional(),
  policies: z.record(z.string().regex(/^[\w:.-]+$/, 'must be a policy name'), policySchema).optional(),
});

export type NamedPolicy = z.output<typeof policySchema>;

export interface AccessRules {
  classificationScopes: Readonly<Record<Classification, readonly string[]>>;
  policies: ReadonlyMap<string, NamedPolicy>;
  /** Classification of each `Type.field` over all products; the strictest wins where two products publish one. */
  classifications: ReadonlyMap<string, Classification>;
  /** Why the named policy does not admit the principal, or null when it does. Unknown policies deny: fail closed. */
  policyRefusal(name: string, principal: Principal): string | null;
}

export function loadAccessRules(options: { governanceFile: string; productsDir: string }): AccessRules {
  let governance: z.output<typeof governanceSchema> = {};
  if (existsSync(options.governanceFile)) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(options.governanceFile, 'utf8'));
    } catch (error) {
      throw new ConfigError(MeshErrorCode.CONFIG_INVALID, options.governanceFile, [`not valid YAML: ${(error as Error).message}`]);
    }
    const result = governanceSchema.safeParse(raw ?? {});
    if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, options.governanceFile, describeIssues(result.error.issues, raw));
    governance = result.data;
  }
  const policies = new Map(Object.entries(governance.policies ?? z.record(z.string(), policySchema).parse(DEFAULT_POLICIES)));
  return {
    classificationScopes: { ...DEFAULT_CLASSIFICATION_SCOPES, ...governance.classificationScopes },
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
  const missing = scopes.filter((scope) => !principal.scopes.has(scope));
  if (missing.length) return `policy "${name}" requires scope ${missing.join(' and ')}`;
  return null;
}
