import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseYaml } from '../base/parse-yaml.ts';
import * as z from 'zod';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import { CLASSIFICATIONS, describeIssues, PRODUCT_STATUSES, type Classification, type ProductStatus } from '../product/descriptor.ts';
import { REPO_ROOT } from '../base/source-tree.ts';

/** Where the repository keeps its central governance. */
export const DEFAULT_GOVERNANCE_PATH = join(REPO_ROOT, 'schema', 'governance.yaml');

/** Statuses that can never be served: not released yet, or removed. */
const NEVER_COMPOSABLE: readonly ProductStatus[] = ['proposed', 'draft', 'retired'];

const regexSource = z.string().refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

const lintSchema = z.strictObject({
  naming: z.strictObject({ type: regexSource, field: regexSource, argument: regexSource, enumValue: regexSource }),
  requireDescriptions: z.boolean(),
  requireClassification: z.boolean(),
  requireOwnerContact: z.boolean(),
  requireSunsetOnDeprecation: z.boolean(),
  /** A new output field an access rule restricts must be nullable (a refusal then nulls only it). On unless a mesh turns it off. */
  requireNullableRestrictedFields: z.boolean().default(true),
});

const policySchema = z.strictObject({
  description: z.string().min(1),
  /** Every scope listed is required. */
  requiresScopes: z.array(z.string().min(1)).optional(),
  /** Only callers with a verified identity; implied by `requiresScopes`. */
  requiresAuthentication: z.boolean().optional(),
});

/** Who decides on an access agreement: the product's owner (its product token), a steward. */
const AGREEMENT_DECIDERS = ['owner', 'steward'] as const;
export type AgreementDecider = (typeof AGREEMENT_DECIDERS)[number];

const agreementsSchema = z.strictObject({
  /** The longest an agreement may run, from the day it is requested. */
  maxTermDays: z.number().int().min(1).max(3660),
  /**
   * Per classification, who must approve before a consumer reads it; an empty list (or a
   * classification left out) needs no agreement at all.
   */
  decidedBy: z
    .partialRecord(
      z.enum(CLASSIFICATIONS),
      z.array(z.enum(AGREEMENT_DECIDERS)).refine((list) => new Set(list).size === list.length, 'must name each decider once'),
    )
    .refine((decided) => Object.values(decided).every((list) => !list || list.length === 0 || list.includes('owner')), 'the owner decides wherever anyone does'),
});

const governanceSchema = z.strictObject({
  lint: lintSchema,
  deprecationWindowDays: z.number().int().min(0),
  composableStatuses: z
    .array(z.enum(PRODUCT_STATUSES))
    .min(1)
    .refine((statuses) => statuses.every((s) => !NEVER_COMPOSABLE.includes(s)), `must not list ${NEVER_COMPOSABLE.join(', ')}`),
  classificationScopes: z.strictObject(Object.fromEntries(CLASSIFICATIONS.map((c) => [c, z.array(z.string().min(1))])) as Record<Classification, z.ZodArray<z.ZodString>>),
  /** Classifications whose fields need a verified identity even where no scope is listed. */
  authenticatedClassifications: z.array(z.enum(CLASSIFICATIONS)).default([]),
  policies: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a policy name in kebab-case'), policySchema).default({}),
  /** Access agreements; a mesh without this section asks for none. */
  agreements: agreementsSchema.default({ maxTermDays: 365, decidedBy: {} }),
});

export type LintSettings = z.infer<typeof lintSchema>;
export type PolicyDefinition = z.infer<typeof policySchema>;

/** What governance says of access agreements. */
export interface AgreementGovernance {
  maxTermDays: number;
  /** Who must approve a consumer's agreement, per classification; no entry or [] needs none. */
  decidedBy: Partial<Record<Classification, AgreementDecider[]>>;
}

/** The deciders an agreement for `classifications` needs (owner first), none when none of them needs one. */
export function agreementDeciders(governance: AgreementGovernance, classifications: readonly Classification[]): AgreementDecider[] {
  const needed = new Set(classifications.flatMap((c) => governance.decidedBy[c] ?? []));
  return AGREEMENT_DECIDERS.filter((decider) => needed.has(decider));
}

/** Whether data of `classification` is read only under an agreement: governance names someone to decide it. */
export function needsAgreement(governance: AgreementGovernance, classification: Classification): boolean {
  return agreementDeciders(governance, [classification]).length > 0;
}

/**
 * What the scopes an access request names stand for: the classifications a token holding
 * exactly those scopes would read by scope, those whose `classificationScopes` list is not
 * empty and holds only scopes named (all listed are required, so one scope alone opens only
 * what needs nothing else). This is the one place a request's scopes are read, and a
 * classification no scope is listed for is never asked for by scope.
 */
export function classificationsOfScopes(governance: Pick<Governance, 'classificationScopes'>, scopes: readonly string[]): Classification[] {
  return CLASSIFICATIONS.filter((c) => {
    const needed = governance.classificationScopes[c];
    return needed.length > 0 && needed.every((scope) => scopes.includes(scope));
  });
}

/**
 * Central governance, read by `meshgate check` and by composition, which compiles it into
 * the supergraph: the gateway reads it from there, never from this file. Keep this shape
 * stable: other components depend on it.
 */
export interface Governance {
  lint: LintSettings;
  /** A new deprecation's sunset date must lie at least this many days after the check. */
  deprecationWindowDays: number;
  /** Statuses whose products are composed into the production supergraph. */
  composableStatuses: ProductStatus[];
  /** Scopes a caller needs to read a field of each classification; all listed are required. */
  classificationScopes: Record<Classification, string[]>;
  /** Classifications compiled into `@authenticated` as well as their scopes. */
  authenticatedClassifications: Classification[];
  /** Named policies that `@policy` refers to. */
  policies: Record<string, PolicyDefinition>;
  /** Which classifications a consumer reads only through an approved access agreement, who approves, for how long at most. */
  agreements: AgreementGovernance;
}

const cache = new Map<string, Governance>();

/** Validates governance text; throws a {@link ConfigError} naming every bad path and value. */
export function parseGovernance(text: string, source: string): Governance {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, [`not valid YAML: ${(error as Error).message}`]);
  }
  const result = governanceSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, source, describeIssues(result.error.issues, raw));
  return result.data;
}

/**
 * Loads and validates `schema/governance.yaml` (or `path`). Results are cached per path:
 * the file is read once per process.
 * @default path the repository's `schema/governance.yaml`
 */
export function loadGovernance(path: string = DEFAULT_GOVERNANCE_PATH): Governance {
  const absolute = resolve(path);
  let governance = cache.get(absolute);
  if (!governance) {
    governance = parseGovernance(readFileSync(absolute, 'utf8'), path);
    cache.set(absolute, governance);
  }
  return governance;
}
