import { z } from 'zod';

/**
 * The required fields and types of the Open Data Contract Standard v3.1.0, as its published
 * JSON schema (`odcs-json-schema-v3.1.0.json`) states them, written as zod schemas: no
 * registry our machines reach ships that file or a validator for it. Where the JSON schema
 * says `additionalProperties: false` or `unevaluatedProperties: false`, the object here is
 * strict, so a key ODCS does not know fails as it would in datacontract-cli's lint. Parts our
 * export never writes (pricing, roles, relationships, logicalTypeOptions) are left out:
 * writing one would then fail here, which is the point.
 */
const tags = z.array(z.string());
const anyType = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
const customProperty = z.strictObject({ property: z.string(), value: anyType, description: z.string().optional() });
const customProperties = z.array(customProperty);
const authoritativeDefinitions = z.array(z.strictObject({ url: z.string(), type: z.string(), description: z.string().optional() }));

const SERVER_TYPES = ['api', 'athena', 'azure', 'bigquery', 'clickhouse', 'databricks', 'denodo', 'dremio', 'duckdb', 'glue', 'cloudsql', 'db2', 'hive', 'informix', 'kafka', 'kinesis', 'local', 'mysql', 'oracle', 'postgresql', 'postgres', 'presto', 'pubsub', 'redshift', 's3', 'sftp', 'snowflake', 'sqlserver', 'synapse', 'trino', 'vertica', 'custom'] as const;

/** `Server` with its `api` branch (`ServerSource/ApiServer`: `location`, a URI, required). */
const apiServer = z.strictObject({
  server: z.string(),
  type: z.literal('api'),
  description: z.string().optional(),
  environment: z.string().optional(),
  customProperties: customProperties.optional(),
  location: z.url(),
});
const server = z.union([apiServer, z.object({ server: z.string(), type: z.enum(SERVER_TYPES).exclude(['api']) })]);

const OPERATORS = {
  mustBe: anyType,
  mustNotBe: anyType,
  mustBeGreaterThan: z.number(),
  mustBeGreaterOrEqualTo: z.number(),
  mustBeLessThan: z.number(),
  mustBeLessOrEqualTo: z.number(),
  mustBeBetween: z.tuple([z.number(), z.number()]).refine(([a, b]) => a !== b, 'items must be unique'),
  mustNotBeBetween: z.tuple([z.number(), z.number()]).refine(([a, b]) => a !== b, 'items must be unique'),
};
/** `DataQualityOperators` is a `oneOf`: an object matches it with exactly one operator. */
function oneOperator(rule: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const given = Object.keys(OPERATORS).filter((operator) => rule[operator] !== undefined);
  if (given.length !== 1) ctx.addIssue({ code: 'custom', message: `DataQualityOperators: oneOf matched ${given.length} branches` });
}
const operators = Object.fromEntries(Object.entries(OPERATORS).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof typeof OPERATORS]: z.ZodOptional<(typeof OPERATORS)[K]> };

const dataQualityBase = {
  authoritativeDefinitions: authoritativeDefinitions.optional(),
  businessImpact: z.string().optional(),
  customProperties: customProperties.optional(),
  description: z.string().optional(),
  dimension: z.enum(['accuracy', 'completeness', 'conformity', 'consistency', 'coverage', 'timeliness', 'uniqueness']).optional(),
  method: z.string().optional(),
  name: z.string().optional(),
  schedule: z.string().optional(),
  scheduler: z.string().optional(),
  severity: z.string().optional(),
  tags: tags.optional(),
  unit: z.string().optional(),
};
/** `DataQuality` with its branches: library (`type: library` or a `metric`), sql, custom, text. */
const dataQuality = z.union([
  z.strictObject({ ...dataQualityBase, type: z.literal('text') }),
  z.strictObject({ ...dataQualityBase, type: z.literal('custom'), engine: z.string(), implementation: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
  z.strictObject({ ...dataQualityBase, type: z.literal('sql'), query: z.string(), ...operators }).superRefine(oneOperator),
  z
    .strictObject({
      ...dataQualityBase,
      type: z.literal('library').optional(),
      metric: z.enum(['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount']),
      rule: z.string().optional(),
      arguments: z.record(z.string(), z.unknown()).optional(),
      ...operators,
    })
    .superRefine(oneOperator),
]);

const schemaElement = {
  name: z.string(),
  physicalType: z.string().optional(),
  description: z.string().optional(),
  businessName: z.string().optional(),
  authoritativeDefinitions: authoritativeDefinitions.optional(),
  tags: tags.optional(),
  customProperties: customProperties.optional(),
};
const schemaProperty = z.strictObject({
  ...schemaElement,
  primaryKey: z.boolean().optional(),
  primaryKeyPosition: z.number().int().optional(),
  logicalType: z.enum(['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', 'boolean']).optional(),
  physicalName: z.string().optional(),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  partitioned: z.boolean().optional(),
  partitionKeyPosition: z.number().int().optional(),
  classification: z.string().optional(),
  encryptedName: z.string().optional(),
  transformSourceObjects: z.array(z.string()).optional(),
  transformLogic: z.string().optional(),
  transformDescription: z.string().optional(),
  examples: z.array(anyType).optional(),
  criticalDataElement: z.boolean().optional(),
  quality: z.array(dataQuality).optional(),
});
const schemaObject = z.strictObject({
  ...schemaElement,
  logicalType: z.literal('object').optional(),
  physicalName: z.string().optional(),
  dataGranularityDescription: z.string().optional(),
  properties: z.array(schemaProperty).optional(),
  quality: z.array(dataQuality).optional(),
});

const slaProperty = z.strictObject({
  property: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  valueExt: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  unit: z.string().optional(),
  element: z.string().optional(),
  driver: z.string().optional(),
  description: z.string().optional(),
  scheduler: z.string().optional(),
  schedule: z.string().optional(),
});

const teamMember = z.strictObject({
  username: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  role: z.string().optional(),
  dateIn: z.iso.date().optional(),
  dateOut: z.iso.date().optional(),
  replacedByUsername: z.string().optional(),
  tags: tags.optional(),
  customProperties: customProperties.optional(),
  authoritativeDefinitions: authoritativeDefinitions.optional(),
});
const team = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  members: z.array(teamMember).optional(),
  tags: tags.optional(),
  customProperties: customProperties.optional(),
  authoritativeDefinitions: authoritativeDefinitions.optional(),
});
const supportItem = z.strictObject({
  channel: z.string(),
  url: z.string().optional(),
  description: z.string().optional(),
  tool: z.string().optional(),
  scope: z.string().optional(),
  invitationUrl: z.string().optional(),
  customProperties: customProperties.optional(),
});

/** The document: `required: [version, apiVersion, kind, id, status]`, no other top-level keys. */
export const odcsV31Contract = z.strictObject({
  version: z.string(),
  kind: z.literal('DataContract'),
  apiVersion: z.enum(['v3.1.0', 'v3.0.2', 'v3.0.1', 'v3.0.0', 'v2.2.2', 'v2.2.1', 'v2.2.0']),
  id: z.string(),
  name: z.string().optional(),
  tenant: z.string().optional(),
  tags: tags.optional(),
  status: z.string(),
  servers: z.array(server).optional(),
  dataProduct: z.string().optional(),
  description: z
    .strictObject({ usage: z.string().optional(), purpose: z.string().optional(), limitations: z.string().optional(), authoritativeDefinitions: authoritativeDefinitions.optional(), customProperties: customProperties.optional() })
    .optional(),
  domain: z.string().optional(),
  schema: z.array(schemaObject).optional(),
  support: z.array(supportItem).optional(),
  team: team.optional(),
  slaProperties: z.array(slaProperty).optional(),
  authoritativeDefinitions: authoritativeDefinitions.optional(),
  customProperties: customProperties.optional(),
  contractCreatedTs: z.iso.datetime().optional(),
});
