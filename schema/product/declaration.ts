import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';
import * as z from 'zod';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import { formatProblem, readYamlText, toProblems, TYPE_NAME, type ConfigProblem } from './descriptor.ts';
import { namedTypeOf } from '../base/sdl-syntax.ts';

/**
 * A declared product's `declared.yaml`, beside `product.yaml` and `schema.graphql`: how each
 * published type reads the product's own engine. The kit's declared products serve the
 * subgraph from it with no resolver code. It is reviewed like the descriptor: every table,
 * column and expression in it is SQL the product's team wrote, and nothing a caller sends
 * ever becomes an identifier; values travel only as bound parameters.
 */
export const DECLARATION_FILE = 'declared.yaml';

/**
 * A table, view or column name as the engine spells it: letters, digits, `_`, `$` and `.`
 * (schema-qualified). Quoted per engine where it needs it; nothing else can be a name.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;
const GRAPHQL_NAME = /^[_A-Za-z]\w*$/;
/** Reviewed SQL is one statement or expression: no statement separators, no comments that could hide text. */
const reviewedSql = z
  .string()
  .min(1)
  .refine((sql) => !/;|--|\/\*/.test(sql), 'must be one SQL expression or SELECT, without ; or comments');
const identifier = z.string().regex(IDENTIFIER, 'must be a table or column name (letters, digits, _, optionally schema.name)');
const graphqlName = z.string().regex(GRAPHQL_NAME, 'must be a GraphQL name');

/** Where a type's rows live: a table, a view, a reviewed SELECT, or files DuckDB reads. */
const relationSchema = z.union([
  z.strictObject({ table: identifier }),
  z.strictObject({ view: identifier }),
  z.strictObject({ query: reviewedSql.refine((sql) => /^\s*(select|with)\b/i.test(sql), 'must be a SELECT') }),
]);

/** A measure: a function over a field or column (count needs neither). */
const measureSchema = z.strictObject({
  fn: z.enum(['sum', 'count', 'avg', 'min', 'max', 'countDistinct']),
  field: graphqlName.optional(),
  column: identifier.optional(),
  /** Decimal places the figure is rounded to (money: 2). */
  round: z.number().int().min(0).max(6).optional(),
});

/** A field of the type: one column, a SQL expression over the row, or a link to other rows. */
const fieldMappingSchema = z.union([
  identifier,
  z.strictObject({ column: identifier }),
  z.strictObject({ expression: reviewedSql }),
  /** Another product's (or this product's) entity by key: `Order.customer` as `Customer @key(id)` from `customer_id`. */
  z.strictObject({ reference: z.string().regex(TYPE_NAME, 'must be a type name'), column: identifier }),
  /** The same by a composite key: one column per field of the entity's `@key`, in its order. */
  z.strictObject({ reference: z.string().regex(TYPE_NAME, 'must be a type name'), columns: z.array(identifier).min(2) }),
  /** One value from another relation, matched on this type's key (loaded in one batch per request). */
  z.strictObject({ lookup: z.strictObject({ from: relationSchema, match: identifier, column: identifier }) }),
  /** Rows of another declared type whose `match` column holds this type's key, batched per request. */
  z.strictObject({ rows: z.strictObject({ type: z.string().regex(TYPE_NAME), match: identifier, orderBy: z.array(identifier).default([]), limit: z.lazy(() => limitSchema).optional() }) }),
  /**
   * The same rows as a connection (`first`, `after`: edges, pageInfo, totalCount) per parent:
   * every parent's page in one windowed statement per request, its cursors sealed to the parent.
   */
  z.strictObject({
    connection: z.strictObject({
      type: z.string().regex(TYPE_NAME),
      match: identifier,
      /** Columns, `-` before one for descending; the key column ends the order when it is not in it. */
      orderBy: z.array(z.string().regex(/^-?[A-Za-z_][A-Za-z0-9_$]*$/, 'must be a column, optionally with - for descending')).default([]),
      defaultSize: z.number().int().min(0).max(100).optional(),
    }),
  }),
  /** Measures over the rows whose `match` column holds this type's key: one object per parent, every parent grouped in one statement. */
  z.strictObject({
    summary: z.strictObject({
      from: z.union([z.string().regex(TYPE_NAME), relationSchema]),
      match: identifier,
      measures: z.record(graphqlName, measureSchema),
    }),
  }),
]);

const limitSchema = z.strictObject({ argument: graphqlName, min: z.number().int().min(0), max: z.number().int().min(1) });

const TIME_GRAINS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
const FILTER_OPS = ['eq', 'in', 'gt', 'gte', 'lt', 'lte', 'prefix', 'holds'] as const;
/** Checks a filter value before it is bound: same words as the hand-written products use. */
const VALUE_FORMATS = ['date', 'month'] as const;

/**
 * A filter: the argument (or `filter.field` of an input argument) and the condition it sets on
 * a field's column. `holds` takes a Boolean: true keeps rows where `condition` holds, false the others.
 */
const filterSchema = z
  .strictObject({
    field: graphqlName.optional(),
    column: identifier.optional(),
    op: z.enum(FILTER_OPS).default('eq'),
    condition: reviewedSql.optional(),
    format: z.enum(VALUE_FORMATS).optional(),
    /** The argument path this one's value must not be after (a range's `from` names its `to`): INVALID_ARGUMENT when it is. */
    notAfter: z
      .string()
      .regex(/^[_A-Za-z]\w*(\.[_A-Za-z]\w*)?$/)
      .optional(),
  })
  .superRefine((filter, ctx) => {
    if (filter.op === 'holds' ? filter.condition === undefined : filter.field === undefined && filter.column === undefined) {
      ctx.addIssue({ code: 'custom', message: filter.op === 'holds' ? 'op holds needs a condition' : 'needs the field (or column) it filters' });
    }
  });

/** Keys of `filters` are argument paths: `segment`, or `filter.segment` for an input object's field. */
const filtersSchema = z.record(z.string().regex(/^[_A-Za-z]\w*(\.[_A-Za-z]\w*)?$/, 'must be an argument or argument.field'), filterSchema).default({});

const sortSchema = z.strictObject({
  /** The enum argument that picks the order. */
  argument: graphqlName,
  /** Per enum value: fields (or columns), `-` before one for descending. The key always ends the order. */
  orders: z.record(graphqlName, z.array(z.string().regex(/^-?[_A-Za-z][\w$]*$/, 'must be a field or column, optionally with - for descending')).min(1)),
});

const querySchema = z.union([
  /** One entity by its key argument (named as the key field unless `argument` says otherwise). */
  z.strictObject({ entity: z.string().regex(TYPE_NAME), argument: graphqlName.optional() }),
  /** A connection (`edges`, `pageInfo`, `totalCount`) with filters, sort orders and sealed cursors. */
  z.strictObject({ list: z.string().regex(TYPE_NAME), filters: filtersSchema, sort: sortSchema.optional(), defaultSize: z.number().int().min(0).max(100).optional() }),
  /** All rows of a type whose `match` column equals an argument, ordered, optionally cut by a limit argument. */
  z.strictObject({ rows: z.string().regex(TYPE_NAME), match: z.strictObject({ column: identifier, argument: graphqlName }), orderBy: z.array(identifier).default([]), limit: limitSchema.optional() }),
  /** Measures over dimensions, computed by the engine with GROUP BY. */
  z.strictObject({
    aggregate: z.strictObject({
      /** A declared type whose relation and field columns it reads, or a relation of its own. */
      from: z.union([z.string().regex(TYPE_NAME), relationSchema]),
      dimensions: z.record(graphqlName, z.strictObject({ field: graphqlName.optional(), column: identifier.optional(), grain: z.enum(TIME_GRAINS).optional() })),
      measures: z.record(graphqlName, measureSchema),
      filters: filtersSchema,
    }),
  }),
]);

/** The engine a product reads. Default: DuckDB, its own file `store/<name>.duckdb`. */
const engineSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('duckdb'),
    /** The database file, relative to the product folder. @default store/<name>.duckdb */
    file: z.string().min(1).optional(),
    /** Parquet, CSV or JSON files (globs allowed), each read as the named view. */
    files: z.record(identifier, z.string().min(1)).optional(),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    /** The environment variable holding the URL. @default STORE_URL */ urlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('STORE_URL'),
    schema: identifier.optional(),
  }),
  z.strictObject({
    kind: z.literal('mysql'),
    urlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('STORE_URL'),
  }),
]);

const typeSchema = z.strictObject({
  /** Omitted for another product's entity this product only adds fields to. */
  from: relationSchema.optional(),
  /** The key column behind the type's `@key` field, or the columns behind a composite `@key(fields: "a b")`, in its order. */
  key: z.union([identifier, z.array(identifier).min(1)]),
  /** Field -> column, expression, reference, lookup or rows. A field not listed reads the column of its own name. */
  fields: z.record(graphqlName, fieldMappingSchema).default({}),
});

/**
 * Where the product's data age is read in its engine: the latest value of a timestamp or date
 * column (`SELECT max(updated_at)`). Without it, the kit's `meshgate_watermark` table.
 */
const watermarkSchema = z.strictObject({ from: z.union([z.string().regex(TYPE_NAME), relationSchema]), column: identifier });

const declarationSchema = z.strictObject({
  engine: engineSchema.default({ kind: 'duckdb' }),
  watermark: watermarkSchema.optional(),
  types: z.record(z.string().regex(TYPE_NAME, 'must be a type name'), typeSchema),
  queries: z.record(graphqlName, querySchema).default({}),
});

export type Declaration = z.infer<typeof declarationSchema>;
export type DeclaredType = Declaration['types'][string];
export type DeclaredRelation = z.infer<typeof relationSchema>;
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export type DeclaredQuery = z.infer<typeof querySchema>;
export type DeclaredFilter = z.infer<typeof filterSchema>;
export type DeclaredSort = z.infer<typeof sortSchema>;
export type DeclaredLimit = z.infer<typeof limitSchema>;
export type DeclaredMeasure = z.infer<typeof measureSchema>;
export type DeclaredWatermark = z.infer<typeof watermarkSchema>;

export type DeclarationParse = { ok: true; declaration: Declaration } | { ok: false; problems: ConfigProblem[] };

/** A type's key columns, one or several, in the order of its `@key` fields. */
export function keyColumnsOf(type: DeclaredType): string[] {
  return typeof type.key === 'string' ? [type.key] : [...type.key];
}

/** Parses a declaration and checks it against the product's SDL; every problem with its path. */
export function safeParseDeclaration(text: string, sdl: string): DeclarationParse {
  const yaml = readYamlText(text);
  if (!yaml.ok) return yaml;
  const raw = yaml.raw;
  const result = declarationSchema.safeParse(raw);
  if (!result.success) return { ok: false, problems: toProblems(result.error.issues, raw) };
  const problems = againstSchema(result.data, parse(sdl));
  return problems.length ? { ok: false, problems } : { ok: true, declaration: result.data };
}

/** The product folder's declaration, or undefined for a product written in code. */
export function loadDeclaration(dir: string): Declaration | undefined {
  const path = join(dir, DECLARATION_FILE);
  if (!existsSync(path)) return undefined;
  const result = safeParseDeclaration(readFileSync(path, 'utf8'), readFileSync(join(dir, 'schema.graphql'), 'utf8'));
  if (!result.ok) throw new ConfigError(MeshErrorCode.DECLARATION_INVALID, path, result.problems.map(formatProblem));
  return result.declaration;
}

type ObjectNode = ObjectTypeDefinitionNode | ObjectTypeExtensionNode;

/** Object types of an SDL by name, extensions merged into their definition. */
export function objectTypesOf(document: DocumentNode): Map<string, FieldDefinitionNode[]> {
  const types = new Map<string, FieldDefinitionNode[]>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const node = definition as ObjectNode;
    types.set(node.name.value, [...(types.get(node.name.value) ?? []), ...(node.fields ?? [])]);
  }
  return types;
}

/** Every name the declaration uses must exist in the schema it serves. */
function againstSchema(declaration: Declaration, document: DocumentNode): ConfigProblem[] {
  const types = objectTypesOf(document);
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string, got: unknown) => problems.push({ path, message, got: JSON.stringify(got) });
  const fieldsOf = (type: string) => new Set((types.get(type) ?? []).map((field) => field.name.value));
  for (const [typeName, declared] of Object.entries(declaration.types)) {
    if (!types.has(typeName)) {
      problem(`types.${typeName}`, 'is not an object type of schema.graphql', typeName);
      continue;
    }
    const fields = fieldsOf(typeName);
    for (const [field, mapping] of Object.entries(declared.fields)) {
      if (!fields.has(field)) problem(`types.${typeName}.fields.${field}`, `is not a field of ${typeName}`, field);
      if (typeof mapping !== 'object') continue;
      // Rows, lookups, connections and summaries match the parent's key in one column.
      if (('rows' in mapping || 'lookup' in mapping || 'connection' in mapping || 'summary' in mapping) && keyColumnsOf(declared).length > 1)
        problem(`types.${typeName}.fields.${field}`, 'rows, lookup, connection and summary match one column: the type needs a one-column key', declared.key);
      const target: [string, string] | undefined =
        'rows' in mapping
          ? ['rows', mapping.rows.type]
          : 'connection' in mapping
            ? ['connection', mapping.connection.type]
            : 'summary' in mapping && typeof mapping.summary.from === 'string'
              ? ['summary', mapping.summary.from]
              : undefined;
      if (target && !declaration.types[target[1]]?.from) problem(`types.${typeName}.fields.${field}.${target[0]}`, 'must name a declared type with a relation (from)', target[1]);
      if ('summary' in mapping) {
        const output = (types.get(typeName) ?? []).find((f) => f.name.value === field);
        const fieldsOfOutput = output ? fieldsOf(namedTypeOf(output.type)) : new Set<string>();
        for (const key of Object.keys(mapping.summary.measures))
          if (!fieldsOfOutput.has(key)) problem(`types.${typeName}.fields.${field}.summary.measures`, `${key} is not a field of the summary's type`, key);
      }
    }
  }
  const watermark = declaration.watermark?.from;
  if (typeof watermark === 'string' && !declaration.types[watermark]?.from) problem('watermark.from', 'must name a declared type with a relation (from)', watermark);
  const queryFields = new Map((types.get('Query') ?? []).map((field) => [field.name.value, field]));
  for (const [name, query] of Object.entries(declaration.queries)) {
    const field = queryFields.get(name);
    if (!field) {
      problem(`queries.${name}`, 'is not a field of Query in schema.graphql', name);
      continue;
    }
    const served = 'entity' in query ? query.entity : 'list' in query ? query.list : 'rows' in query ? query.rows : typeof query.aggregate.from === 'string' ? query.aggregate.from : undefined;
    if (served !== undefined && !declaration.types[served]?.from) problem(`queries.${name}`, `serves ${served}, which must be a declared type with a relation (from)`, served);
    const args = new Set((field.arguments ?? []).map((arg) => arg.name.value));
    const filters = 'list' in query ? query.filters : 'aggregate' in query ? query.aggregate.filters : {};
    for (const [path, filter] of Object.entries(filters)) {
      if (!args.has(path.split('.')[0]!)) problem(`queries.${name}.filters.${path}`, `names no argument of Query.${name}`, path);
      if (filter.notAfter !== undefined && !(filter.notAfter in filters)) problem(`queries.${name}.filters.${path}.notAfter`, 'must name another filter of the same query', filter.notAfter);
    }
    if ('list' in query && query.sort && !args.has(query.sort.argument)) problem(`queries.${name}.sort.argument`, `is not an argument of Query.${name}`, query.sort.argument);
    if ('rows' in query && !args.has(query.match.argument)) problem(`queries.${name}.match.argument`, `is not an argument of Query.${name}`, query.match.argument);
    if ('rows' in query && query.limit && !args.has(query.limit.argument)) problem(`queries.${name}.limit.argument`, `is not an argument of Query.${name}`, query.limit.argument);
    if ('aggregate' in query) {
      const output = fieldsOf(namedTypeOf(field.type));
      for (const key of [...Object.keys(query.aggregate.dimensions), ...Object.keys(query.aggregate.measures)]) {
        if (!output.has(key)) problem(`queries.${name}.aggregate`, `${key} is not a field of ${namedTypeOf(field.type)}`, key);
      }
    }
  }
  return problems;
}
