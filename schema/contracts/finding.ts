import { MeshErrorCode } from '../protocol/error-codes.ts';

/**
 * Every rule `meshgate check` applies, by stable id. Tests, CI logs and the catalog refer
 * to these ids, so an id never changes meaning; retire it and add a new one instead.
 */
const RULES = {
  'descriptor/invalid': MeshErrorCode.DESCRIPTOR_INVALID,
  'descriptor/name-mismatch': MeshErrorCode.DESCRIPTOR_INVALID,
  'schema/invalid-sdl': MeshErrorCode.COMPOSITION_FAILED,
  'compose/failed': MeshErrorCode.COMPOSITION_FAILED,
  'lint/type-name': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/field-name': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/argument-name': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/enum-value-name': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/type-description': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/field-description': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/field-classification': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/classification-unknown-field': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/classification-conflict': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/owner-contact': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/deprecation-sunset': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/exposes-unknown-field': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/exposes-undeclared': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/derived-from-unknown-field': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/ineffective-restriction': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/quality-rule': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'lint/restricted-field-nullable': MeshErrorCode.GOVERNANCE_LINT_FAILED,
  'boundary/unknown-input-product': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/input-version-mismatch': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/input-not-served': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/undeclared-input': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/field-not-in-port': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/unknown-field': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/inaccessible-field': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/preview-field': MeshErrorCode.BOUNDARY_VIOLATION,
  'boundary/entity-owner-conflict': MeshErrorCode.BOUNDARY_VIOLATION,
  'compat/no-baseline': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/baseline-invalid': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/version-regressed': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/breaking-without-major': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/breaking-without-deprecation': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/breaking-without-sunset': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/breaking-before-sunset': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/removed-field-in-use': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/addition-without-minor': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/change-without-bump': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/classification-changed': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/sunset-too-soon': MeshErrorCode.INCOMPATIBLE_CHANGE,
  'compat/access-tightened': MeshErrorCode.INCOMPATIBLE_CHANGE,
  // Governed changes: refused whatever the version until an approval on record covers them.
  'access/weakened': MeshErrorCode.GOVERNED_CHANGE_UNAPPROVED,
  'ownership/takeover': MeshErrorCode.COORDINATE_TAKEOVER,
  'ownership/governance-shadowed': MeshErrorCode.COORDINATE_TAKEOVER,
  // The registry: a version, once published, never changes.
  'registry/version-exists': MeshErrorCode.VERSION_EXISTS,
  'lineage/out-of-date': MeshErrorCode.LINEAGE_OUT_OF_DATE,
  // Declared products: declared.yaml against the schema, then against the engine.
  'declaration/invalid': MeshErrorCode.DECLARATION_INVALID,
  'declaration/engine-mismatch': MeshErrorCode.DECLARATION_MISMATCH,
  // The registry: the build a publish would make is one a gateway refuses to serve (`admitSupergraph`).
  'supergraph/not-servable': MeshErrorCode.SUPERGRAPH_INVALID,
  // `meshgate test`: rules on a product's live data, one id per ODCS metric.
  'quality/null-values': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/missing-values': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/invalid-values': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/duplicate-values': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/row-count': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/custom': MeshErrorCode.QUALITY_RULE_FAILED,
  'quality/latency': MeshErrorCode.QUALITY_RULE_FAILED,
} as const satisfies Record<string, MeshErrorCode>;

export type RuleId = keyof typeof RULES;

/** Findings about the mesh as a whole (composition, lineage) name this as their product. */
export const MESH = 'mesh';

/** One failed rule: which product, which element, why, and how to fix it. */
export interface Finding {
  product: string;
  /** A schema coordinate (`Customer.name`), a descriptor path (`owner.contact`) or a file. */
  element: string;
  rule: RuleId;
  code: MeshErrorCode;
  message: string;
  fix: string;
  /**
   * For a governed change: its id, the digest of what changed (product, version,
   * coordinate, access element, before and after). An approval names this id.
   */
  change?: string;
}

export function finding(product: string, element: string, rule: RuleId, message: string, fix: string): Finding {
  return { product, element, rule, code: RULES[rule], message, fix };
}
