import { readFileSync } from 'node:fs';
import { validRange } from 'semver';
import { parseYaml } from '../base/parse-yaml.ts';
import * as z from 'zod';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import { fieldQualityRuleSchema, isLibraryRule, typeQualityRuleSchema } from './quality-rules.ts';

/**
 * The data product descriptor, `product.yaml`. Field names follow the Open Data Contract
 * Standard (ODCS v3) and Bitol's Open Data Product Standard where they fit: `id`, `domain`,
 * `status`, `description.{purpose,limitations,usage}`, `sla`, `inputPorts`.
 */
export { PRODUCT_STATUSES, type ProductStatus } from '../protocol/product-report.ts';
import { PRODUCT_STATUSES } from '../protocol/product-report.ts';

export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
/** `30m`, `24h`, `7d`: how old a product's data may get before it is stale. */
const DURATION = /^(\d+)(s|m|h|d)$/;
export const PRODUCT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const COORDINATE = /^[A-Z]\w*\.\w+$/;
export const TYPE_NAME = /^[A-Z]\w*$/;
const FIELD_NAME = /^[_A-Za-z]\w*$/;

/**
 * Who the product is meant for. Informational only: every audience passes the same
 * checks, because a team's own consumers deserve the same promise as anyone else's.
 */
const AUDIENCES = ['internal', 'organization', 'external'] as const;

const fieldPolicySchema = z.strictObject({
  classification: z.enum(CLASSIFICATIONS),
  tags: z.array(z.string().min(1)).default([]),
  /**
   * Fields this one is computed from, beyond what `@requires` already says (a product's
   * own fields, or another product's it reads through its store of record), as `Type.field`.
   * `meshgate check` refuses a field classified more strictly than these.
   */
  derivedFrom: z.array(z.string().regex(COORDINATE, 'must be a Type.field coordinate')).optional(),
  /**
   * Data quality rules on the field's values, in ODCS `quality` vocabulary (see
   * `fieldQualityRuleSchema`); `meshgate test` measures them over the rows of the type's `list`.
   * @example [{ metric: nullValues, mustBe: 0 }]
   */
  quality: z.array(fieldQualityRuleSchema).min(1).optional(),
});

/** How a consumer lists a type's rows: a `Query` field returning a list or a connection (`edges { node }`). */
const listQuerySchema = z.strictObject({
  /** The `Query` field's name, e.g. `orders`. */
  query: z.string().regex(FIELD_NAME, 'must be the name of a Query field'),
  /** Arguments to pass, e.g. a date range or a filter. */
  arguments: z.record(z.string().regex(FIELD_NAME, 'must be an argument name'), z.unknown()).optional(),
  /**
   * How many rows field rules are measured over: the first rows the query answers, paged
   * through as a consumer would. Row counts use the connection's `totalCount` when it has one.
   * @default 100
   */
  sample: z.number().int().min(1).max(10_000).optional(),
});

/** What a type promises as a whole: where its rows come from and rules over them. */
const typeContractSchema = z.strictObject({
  list: listQuerySchema.optional(),
  /** Row-count bounds and custom GraphQL checks, in ODCS `quality` vocabulary. */
  quality: z.array(typeQualityRuleSchema).min(1).optional(),
});

const inputPortSchema = z.strictObject({
  product: z.string().regex(PRODUCT_NAME, 'must be a product name in kebab-case'),
  /** A semver range of the input product's interface, e.g. `^1.0.0`. */
  version: z.string().refine((range) => validRange(range) !== null, 'must be a semver range such as ^1.0.0'),
  /** `Type.field` coordinates this product reads from the input product. */
  fields: z.array(z.string().regex(COORDINATE, 'must be a Type.field coordinate')).min(1),
  /** Whether this port may read preview fields of the input product. */
  allowPreview: z.boolean().default(false),
});

const descriptorSchema = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().regex(PRODUCT_NAME, 'must be a product name in kebab-case'),
    title: z.string().min(1).optional(),
    domain: z.string().min(1),
    owner: z.strictObject({
      team: z.string().min(1),
      contact: z.string().min(1),
    }),
    version: z.string().regex(SEMVER, 'must be a semantic version such as 1.2.0'),
    status: z.enum(PRODUCT_STATUSES),
    description: z.strictObject({
      purpose: z.string().min(1),
      limitations: z.string().min(1),
      usage: z.string().min(1),
    }),
    audience: z.enum(AUDIENCES).optional(),
    sla: z.strictObject({
      freshness: z.string().regex(DURATION, 'must be a duration such as 30m, 24h or 7d'),
      availability: z.string().regex(/^\d{1,3}(\.\d+)?%$/, 'must be a percentage such as 99.9%'),
      /** How often new data lands, e.g. `1d` (ODCS `frequency`). */
      frequency: z.string().regex(DURATION, 'must be a duration such as 30m, 24h or 7d').optional(),
    }),
    /** Classification of every published field, keyed by `Type.field`. */
    fields: z.record(z.string().regex(COORDINATE, 'must be a Type.field coordinate'), fieldPolicySchema).default({}),
    inputPorts: z.array(inputPortSchema).default([]),
    /** Per type: how its rows are listed and the rules over them, keyed by type name. */
    types: z.record(z.string().regex(TYPE_NAME, 'must be a type name'), typeContractSchema).default({}),
  })
  .superRefine((descriptor, ctx) => {
    // A rule measured over rows needs the query that lists them, declared once per type.
    const needsList = (typeName: string, path: PropertyKey[]) => {
      if (descriptor.types[typeName]?.list) return;
      ctx.addIssue({ code: 'custom', message: `measures rows of ${typeName}: declare types.${typeName}.list (the Query field that lists them)`, path });
    };
    for (const [coordinate, policy] of Object.entries(descriptor.fields)) {
      if (policy.quality?.some(isLibraryRule)) needsList(coordinate.split('.')[0]!, ['fields', coordinate, 'quality']);
    }
    for (const [typeName, contract] of Object.entries(descriptor.types)) {
      if (contract.quality?.some(isLibraryRule)) needsList(typeName, ['types', typeName, 'quality']);
    }
  });

export type ProductDescriptor = z.infer<typeof descriptorSchema>;
export type InputPort = z.infer<typeof inputPortSchema>;
export type ListQuery = z.infer<typeof listQuerySchema>;

/** One problem in a config file: where, what is wrong, and the value found there. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** The value found at `path`, as JSON; `nothing` when the key is missing. */
  got: string;
}

/** Turns zod issues into problems that name the path and the value that was found there. */
export function toProblems(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigProblem[] {
  const problem = (path: readonly PropertyKey[], message: string): ConfigProblem => {
    const got = valueAt(input, path);
    return { path: path.length > 0 ? path.join('.') : '(root)', message, got: got === undefined ? 'nothing' : JSON.stringify(got) };
  };
  // An unknown key is reported at the key itself: showing the whole parent object hides it.
  return issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => problem([...issue.path, key], 'is not a known key')) : [problem(issue.path, issue.message)]));
}

/** Turns zod issues into lines that name the path and the value that was found there. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return toProblems(issues, input).map(formatProblem);
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message} (got ${problem.got})`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export type DescriptorParse = { ok: true; descriptor: ProductDescriptor } | { ok: false; problems: ConfigProblem[] };

/** YAML text as a value, or the one problem that it is not YAML. */
export function readYamlText(text: string): { ok: true; raw: unknown } | { ok: false; problems: ConfigProblem[] } {
  try {
    return { ok: true, raw: parseYaml(text) };
  } catch (error) {
    return { ok: false, problems: [{ path: '(root)', message: `not valid YAML: ${(error as Error).message}`, got: 'unparsable text' }] };
  }
}

/** Parses and validates a descriptor, collecting every problem instead of stopping at the first. */
export function safeParseDescriptor(text: string): DescriptorParse {
  const yaml = readYamlText(text);
  if (!yaml.ok) return yaml;
  const raw = yaml.raw;
  const result = descriptorSchema.safeParse(raw);
  return result.success ? { ok: true, descriptor: result.data } : { ok: false, problems: toProblems(result.error.issues, raw) };
}

/** Parses and validates a descriptor; throws a {@link ConfigError} listing every problem. */
export function parseDescriptor(text: string, source: string): ProductDescriptor {
  const result = safeParseDescriptor(text);
  if (!result.ok) {
    throw new ConfigError(MeshErrorCode.DESCRIPTOR_INVALID, source, result.problems.map(formatProblem));
  }
  return result.descriptor;
}

export function loadDescriptor(path: string): ProductDescriptor {
  return parseDescriptor(readFileSync(path, 'utf8'), path);
}

/** Milliseconds in an SLA duration such as `24h`. */
export function durationToMs(duration: string): number {
  const match = DURATION.exec(duration);
  if (!match) throw new TypeError(`Invalid duration "${duration}"`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
