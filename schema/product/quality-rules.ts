import * as z from 'zod';

/**
 * Data quality rules a descriptor declares, in the Open Data Contract Standard's (ODCS
 * v3.1) `quality` vocabulary, so that they travel unchanged into the ODCS export:
 *
 * - library metrics (`metric: nullValues | missingValues | invalidValues | duplicateValues
 *   | rowCount`) compared with exactly one operator (`mustBe`, `mustBeBetween`, …);
 * - `type: custom` with `engine: graphql`: a GraphQL query sent through the gateway, the
 *   number found at `measure` in its answer, and the operator inside `implementation`
 *   (ODCS allows operators only on library and sql rules; a custom rule keeps its own);
 * - `type: text`: a promise written for people, exported but never run.
 *
 * One extension, inside ODCS's free-form `arguments`: `invalidValues` also takes
 * `minimum`/`maximum`, so a value range is an `invalidValues` rule like an allowed-values list.
 * The schemas add no defaults: what a descriptor says is exactly what the export carries.
 */
const QUALITY_OPERATORS = ['mustBe', 'mustNotBe', 'mustBeGreaterThan', 'mustBeGreaterOrEqualTo', 'mustBeLessThan', 'mustBeLessOrEqualTo', 'mustBeBetween', 'mustNotBeBetween'] as const;
export type QualityOperator = (typeof QUALITY_OPERATORS)[number];

/** Metrics measured over one field's values, and the one measured over a whole type. */
const FIELD_METRICS = ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues'] as const;
const TYPE_METRICS = ['rowCount'] as const;
export type QualityMetric = (typeof FIELD_METRICS)[number] | (typeof TYPE_METRICS)[number];

/** The engine name a custom rule gives to be run by `meshgate test`. */
const GRAPHQL_ENGINE = 'graphql';

const DIMENSIONS = ['accuracy', 'completeness', 'conformity', 'consistency', 'coverage', 'timeliness', 'uniqueness'] as const;

const range = z.tuple([z.number(), z.number()]).refine(([low, high]) => low < high, 'must be [low, high] with low < high');

/** Exactly one operator per rule: ODCS compares a measured value with one expectation. */
const operatorShape = {
  mustBe: z.number().optional(),
  mustNotBe: z.number().optional(),
  mustBeGreaterThan: z.number().optional(),
  mustBeGreaterOrEqualTo: z.number().optional(),
  mustBeLessThan: z.number().optional(),
  mustBeLessOrEqualTo: z.number().optional(),
  mustBeBetween: range.optional(),
  mustNotBeBetween: range.optional(),
};

export type Operators = { [K in QualityOperator]?: K extends 'mustBeBetween' | 'mustNotBeBetween' ? [number, number] : number };

function exactlyOneOperator(rule: Operators, ctx: z.core.$RefinementCtx): void {
  const given = QUALITY_OPERATORS.filter((operator) => rule[operator] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `needs exactly one operator (${QUALITY_OPERATORS.join(', ')}); got ${given.length === 0 ? 'none' : given.join(', ')}`, path: [] });
  }
}

/** What ODCS lets every rule say about itself, whatever its type. */
const ruleBase = {
  name: z.string().min(1).optional(),
  description: z.string().min(1).optional(),
  dimension: z.enum(DIMENSIONS).optional(),
  severity: z.string().min(1).optional(),
  businessImpact: z.string().min(1).optional(),
};

const libraryArguments = z.strictObject({
  /** `invalidValues`: the values allowed. */
  validValues: z
    .array(z.union([z.string(), z.number(), z.boolean()]))
    .min(1)
    .optional(),
  /** `invalidValues`: a regular expression every value must match. */
  pattern: z
    .string()
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  /** `invalidValues` (meshgate extension): the smallest value allowed. */
  minimum: z.number().optional(),
  /** `invalidValues` (meshgate extension): the largest value allowed. */
  maximum: z.number().optional(),
  /** `missingValues`: the values that count as missing, e.g. `[null, '', 'N/A']`. */
  missingValues: z
    .array(z.union([z.string(), z.number(), z.null()]))
    .min(1)
    .optional(),
});

function libraryRule<M extends readonly [string, ...string[]]>(metrics: M) {
  return z
    .strictObject({
      ...ruleBase,
      type: z.literal('library').optional(),
      metric: z.enum(metrics),
      arguments: libraryArguments.optional(),
      unit: z.enum(['rows', 'percent']).optional(),
      ...operatorShape,
    })
    .superRefine((rule, ctx) => {
      exactlyOneOperator(rule, ctx);
      const args = rule.arguments ?? {};
      if (rule.metric === 'invalidValues' && args.validValues === undefined && args.pattern === undefined && args.minimum === undefined && args.maximum === undefined) {
        ctx.addIssue({ code: 'custom', message: 'invalidValues needs arguments.validValues, arguments.pattern or arguments.minimum/maximum', path: ['arguments'] });
      }
      if (rule.metric === 'missingValues' && args.missingValues === undefined) {
        ctx.addIssue({ code: 'custom', message: 'missingValues needs arguments.missingValues', path: ['arguments'] });
      }
      if (rule.metric === 'rowCount' && rule.unit === 'percent') {
        ctx.addIssue({ code: 'custom', message: 'rowCount counts rows; percent has nothing to be a percentage of', path: ['unit'] });
      }
    });
}

const customRule = z.strictObject({
  ...ruleBase,
  type: z.literal('custom'),
  engine: z.literal(GRAPHQL_ENGINE),
  implementation: z
    .strictObject({
      /** A GraphQL query, sent to the gateway as a consumer would send it. */
      query: z.string().min(1),
      variables: z.record(z.string(), z.unknown()).optional(),
      /**
       * A dotted path into the answer's `data`: a number is compared as it is, a list by its
       * length, `true`/`false` as 1/0. @example "revenueByCurrency"
       */
      measure: z.string().regex(/^[_A-Za-z]\w*(\.[_A-Za-z]\w*)*$/, 'must be a dotted path such as orders.totalCount'),
      ...operatorShape,
    })
    .superRefine(exactlyOneOperator),
});

const textRule = z.strictObject({ ...ruleBase, type: z.literal('text'), description: z.string().min(1) });

/**
 * Reads a rule with the schema its `type` names (library when absent, as in ODCS), so a
 * bad rule is reported against that schema's keys rather than as "matches no variant".
 */
function byType<L extends z.ZodType>(library: L) {
  return z.unknown().transform((value, ctx): z.infer<typeof textRule> | z.infer<typeof customRule> | z.infer<L> => {
    const type = value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
    const schema: z.ZodType = type === 'text' ? textRule : type === 'custom' ? customRule : library;
    const result = schema.safeParse(value);
    if (result.success) return result.data as z.infer<L>;
    for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
}

/** A rule on one field (`fields.<Type.field>.quality`): measured over the field's values. */
export const fieldQualityRuleSchema = byType(libraryRule(FIELD_METRICS));
/** A rule on a type (`types.<Type>.quality`): row count, or a custom GraphQL check. */
export const typeQualityRuleSchema = byType(libraryRule(TYPE_METRICS));

export type FieldQualityRule = z.infer<typeof fieldQualityRuleSchema>;
export type TypeQualityRule = z.infer<typeof typeQualityRuleSchema>;
export type QualityRule = FieldQualityRule | TypeQualityRule;
export type LibraryRule = Extract<QualityRule, { metric: string }>;
export type CustomRule = z.infer<typeof customRule>;

export function isLibraryRule(rule: QualityRule): rule is LibraryRule {
  return 'metric' in rule;
}

export function isCustomRule(rule: QualityRule): rule is CustomRule {
  return rule.type === 'custom';
}

/** The one operator a rule (or a custom rule's implementation) carries, with its expected value. */
function operatorOf(rule: Operators): { operator: QualityOperator; expected: number | [number, number] } {
  const operator = QUALITY_OPERATORS.find((candidate) => rule[candidate] !== undefined)!;
  return { operator, expected: rule[operator]! };
}

/** Whether a measured value meets the rule's operator. */
export function meetsOperator(rule: Operators, measured: number): boolean {
  const { operator, expected } = operatorOf(rule);
  const [low, high] = Array.isArray(expected) ? expected : [expected, expected];
  switch (operator) {
    case 'mustBe':
      return measured === expected;
    case 'mustNotBe':
      return measured !== expected;
    case 'mustBeGreaterThan':
      return measured > low;
    case 'mustBeGreaterOrEqualTo':
      return measured >= low;
    case 'mustBeLessThan':
      return measured < low;
    case 'mustBeLessOrEqualTo':
      return measured <= low;
    case 'mustBeBetween':
      return measured >= low && measured <= high;
    case 'mustNotBeBetween':
      return measured < low || measured > high;
  }
}

const OPERATOR_WORDS: Record<QualityOperator, string> = {
  mustBe: 'must be',
  mustNotBe: 'must not be',
  mustBeGreaterThan: 'must be greater than',
  mustBeGreaterOrEqualTo: 'must be at least',
  mustBeLessThan: 'must be less than',
  mustBeLessOrEqualTo: 'must be at most',
  mustBeBetween: 'must be between',
  mustNotBeBetween: 'must not be between',
};

/** The expectation in words, e.g. "must be between 1 and 100". */
export function describeExpectation(rule: Operators): string {
  const { operator, expected } = operatorOf(rule);
  return `${OPERATOR_WORDS[operator]} ${Array.isArray(expected) ? `${expected[0]} and ${expected[1]}` : expected}`;
}

/** A value as a set member: objects compare by content. */
function identity(value: unknown): string {
  return JSON.stringify(value);
}

function isInvalid(value: unknown, args: NonNullable<LibraryRule['arguments']>): boolean {
  if (args.validValues && !args.validValues.some((valid) => valid === value)) return true;
  if (args.pattern !== undefined && !new RegExp(args.pattern).test(String(value))) return true;
  if (args.minimum !== undefined && !(typeof value === 'number' && value >= args.minimum)) return true;
  if (args.maximum !== undefined && !(typeof value === 'number' && value <= args.maximum)) return true;
  return false;
}

/**
 * A field metric over the values a consumer received, in rows (or percent of them).
 * Null values count only for `nullValues` (and `missingValues` when listed): a null is
 * missing, not invalid or duplicated, as ODCS tools count them.
 */
export function measureFieldMetric(rule: LibraryRule, values: readonly unknown[]): number {
  const present = values.filter((value) => value !== null && value !== undefined);
  let rows: number;
  switch (rule.metric) {
    case 'nullValues':
      rows = values.length - present.length;
      break;
    case 'missingValues': {
      const missing = new Set((rule.arguments?.missingValues ?? []).map(identity));
      rows = values.filter((value) => missing.has(identity(value ?? null))).length;
      break;
    }
    case 'invalidValues':
      rows = present.filter((value) => isInvalid(value, rule.arguments ?? {})).length;
      break;
    case 'duplicateValues':
      rows = present.length - new Set(present.map(identity)).size;
      break;
    case 'rowCount':
      rows = values.length;
      break;
  }
  return inRuleUnit(rule, rows, values.length);
}

/** `rows` of `total` in the rule's unit: rows, or a percentage with two decimals (printed in a finding, compared with the rule's bound). */
export function inRuleUnit(rule: LibraryRule, rows: number, total: number): number {
  if (rule.unit !== 'percent') return rows;
  return total === 0 ? 0 : Math.round((rows / total) * 10_000) / 100;
}
