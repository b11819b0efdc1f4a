import { z } from 'zod';

/**
 * The required fields and types of the catalog standards meshgate exports to, encoded by
 * hand from their published JSON Schemas (no registry our machines reach ships them).
 * Where a schema says `additionalProperties: false`, the object here is strict too, so a
 * key the standard does not know fails the check.
 */
const uri = z.url();

/**
 * OpenMetadata's create requests: their keys and top-level properties are held to the
 * published request schemas (test/contracts/standard-schemas.ts); what those reach in files
 * not stored (columns, API schemas and their fields, request methods, service types) is
 * encoded here. (`openmetadata-spec/.../api/services/createApiService.json`,
 * `api/data/createAPICollection.json`, `createAPIEndpoint.json`, `createDataContract.json`)
 * and the types they refer to (`type/basic.json` entityName, `type/apiSchema.json`,
 * `type/schema.json` field, `entity/data/table.json` column).
 */
export const openMetadata = (() => {
  // entityName: 1 to 256 characters, never `::`.
  const entityName = z
    .string()
    .min(1)
    .max(256)
    .regex(/^((?!::).)*$/);
  const fieldDataType = z.enum([
    'RECORD',
    'NULL',
    'BOOLEAN',
    'INT',
    'LONG',
    'BYTES',
    'FLOAT',
    'DOUBLE',
    'TIMESTAMP',
    'TIMESTAMPZ',
    'TIME',
    'DATE',
    'STRING',
    'ARRAY',
    'MAP',
    'ENUM',
    'UNION',
    'FIXED',
    'ERROR',
  ]);
  type Field = { name: string; dataType: string; displayName?: string; dataTypeDisplay?: string; description?: string; children?: Field[] };
  const field: z.ZodType<Field> = z.lazy(() =>
    z.strictObject({
      name: z.string().min(1).max(128),
      displayName: z.string().optional(),
      dataType: fieldDataType,
      dataTypeDisplay: z.string().optional(),
      description: z.string().optional(),
      children: z.array(field).optional(),
    }),
  );
  const apiSchema = z.looseObject({ schemaType: z.enum(['Avro', 'Protobuf', 'JSON', 'Other', 'None']).optional(), schemaFields: z.array(field).optional() });
  const columnDataType = z.enum([
    'NUMBER',
    'TINYINT',
    'SMALLINT',
    'INT',
    'BIGINT',
    'BYTEINT',
    'BYTES',
    'FLOAT',
    'DOUBLE',
    'DECIMAL',
    'NUMERIC',
    'TIMESTAMP',
    'TIMESTAMPZ',
    'TIME',
    'DATE',
    'DATETIME',
    'INTERVAL',
    'STRING',
    'MEDIUMTEXT',
    'TEXT',
    'CHAR',
    'LONG',
    'VARCHAR',
    'BOOLEAN',
    'BINARY',
    'VARBINARY',
    'ARRAY',
    'BLOB',
    'LONGBLOB',
    'MEDIUMBLOB',
    'MAP',
    'STRUCT',
    'UNION',
    'SET',
    'GEOGRAPHY',
    'ENUM',
    'JSON',
    'UUID',
    'VARIANT',
    'GEOMETRY',
    'BYTEA',
    'AGGREGATEFUNCTION',
    'ERROR',
    'FIXED',
    'RECORD',
    'NULL',
    'SUPER',
    'HLLSKETCH',
    'PG_LSN',
    'PG_SNAPSHOT',
    'TSQUERY',
    'TXID_SNAPSHOT',
    'XML',
    'MACADDR',
    'TSVECTOR',
    'UNKNOWN',
    'CIDR',
    'INET',
    'CLOB',
    'ROWID',
    'LOWCARDINALITY',
    'YEAR',
    'POINT',
    'POLYGON',
    'TUPLE',
    'SPATIAL',
    'TABLE',
  ]);
  type Column = { name: string; dataType: string; arrayDataType?: string; dataTypeDisplay?: string; description?: string; constraint?: string; children?: Column[] };
  const column: z.ZodType<Column> = z.lazy(() =>
    z.strictObject({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(/^((?!::).)*$/),
      displayName: z.string().optional(),
      dataType: columnDataType,
      arrayDataType: columnDataType.optional(),
      dataTypeDisplay: z.string().optional(),
      description: z.string().optional(),
      constraint: z.enum(['NULL', 'NOT_NULL', 'UNIQUE', 'PRIMARY_KEY']).optional(),
      children: z.array(column).optional(),
    }),
  );
  return {
    apiService: z.strictObject({
      name: entityName,
      displayName: z.string().optional(),
      description: z.string().optional(),
      serviceType: z.enum(['Rest', 'WEBHOOK']),
      connection: z.unknown().optional(),
      tags: z.array(z.unknown()).optional(),
      owners: z.unknown().optional(),
      dataProducts: z.array(z.string()).optional(),
      domain: z.string().optional(),
    }),
    apiCollection: z.strictObject({
      name: entityName,
      displayName: z.string().optional(),
      description: z.string().optional(),
      endpointURL: uri.optional(),
      apiEndpoints: z.array(z.string()).optional(),
      tags: z.array(z.unknown()).optional(),
      owners: z.unknown().optional(),
      service: z.string(),
      extension: z.unknown().optional(),
      domain: z.string().optional(),
      dataProducts: z.array(z.string()).optional(),
    }),
    apiEndpoint: z.strictObject({
      name: entityName,
      displayName: z.string().optional(),
      description: z.string().optional(),
      apiCollection: z.string(),
      endpointURL: uri,
      requestMethod: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
      requestSchema: apiSchema.optional(),
      responseSchema: apiSchema.optional(),
      owners: z.unknown().optional(),
      tags: z.array(z.unknown()).optional(),
      domains: z.array(z.string()).optional(),
      dataProducts: z.array(z.string()).optional(),
    }),
    /**
     * Without `entity`, which the loader adds with the endpoint's id (see openmetadata.ts). Since
     * 1.11 the contract's status is `entityStatus`, whose values test/contracts checks against the
     * published `type/status.json`; `status` is refused.
     */
    dataContract: z.strictObject({
      name: entityName,
      displayName: z.string().optional(),
      description: z.string().optional(),
      entityStatus: z.string().optional(),
      schema: z.array(column).optional(),
      owners: z.unknown().optional(),
    }),
  };
})();

/**
 * DataHub: the data contract YAML `datahub datacontract upsert` reads
 * (`datahub/api/entities/datacontract/datacontract.py`, extra keys forbidden) and the
 * aspects our proposals carry (`SchemaMetadata`, `UpstreamLineage`, `DatasetProperties`,
 * `Ownership` in the PDL models), in the file source's JSON form.
 */
export const dataHub = (() => {
  const datasetUrn = z.string().regex(/^urn:li:dataset:\(urn:li:dataPlatform:[^,]+,[^,]+,[A-Z]+\)$/);
  const auditStamp = z.looseObject({ time: z.number().int(), actor: z.string().startsWith('urn:li:corpuser:') });
  const fieldUrn = z.string().regex(/^urn:li:schemaField:\(urn:li:dataset:\(.+\),.+\)$/);
  const schemaFieldType = z.looseObject({
    type: z.record(z.string().regex(/^com\.linkedin\.schema\.(Boolean|FixedType|String|Bytes|Number|Date|Time|Enum|Null|Map|Array|Union|Record)Type$/), z.looseObject({})),
  });
  return {
    contract: z.strictObject({
      version: z.literal(1),
      id: z.string().startsWith('urn:li:dataContract:').optional(),
      entity: datasetUrn,
      schema: z
        .union([z.strictObject({ type: z.literal('json-schema'), 'json-schema': z.record(z.string(), z.unknown()) }), z.strictObject({ type: z.literal('field-list'), fields: z.array(z.unknown()) })])
        .optional(),
      freshness: z
        .union([z.strictObject({ type: z.literal('cron'), cron: z.string(), timezone: z.string().optional() }), z.strictObject({ type: z.literal('interval'), interval: z.number().positive() })])
        .optional(),
      data_quality: z.array(z.unknown()).optional(),
    }),
    proposal: z.looseObject({
      entityType: z.literal('dataset'),
      entityUrn: datasetUrn,
      changeType: z.literal('UPSERT'),
      aspectName: z.string(),
      aspect: z.strictObject({ json: z.record(z.string(), z.unknown()) }),
    }),
    aspects: {
      datasetProperties: z.looseObject({ name: z.string().optional(), description: z.string().optional(), customProperties: z.record(z.string(), z.string()), tags: z.array(z.string()) }),
      ownership: z.looseObject({
        owners: z.array(z.looseObject({ owner: z.string().regex(/^urn:li:(corpuser|corpGroup):/), type: z.enum(['TECHNICAL_OWNER', 'BUSINESS_OWNER', 'DATA_STEWARD', 'NONE', 'CUSTOM']) })),
        lastModified: auditStamp.optional(),
      }),
      schemaMetadata: z.looseObject({
        schemaName: z.string(),
        platform: z.string().startsWith('urn:li:dataPlatform:'),
        version: z.number().int(),
        hash: z.string(),
        platformSchema: z.record(z.string().startsWith('com.linkedin.schema.'), z.looseObject({})),
        fields: z.array(z.looseObject({ fieldPath: z.string(), type: schemaFieldType, nativeDataType: z.string(), nullable: z.boolean().optional(), description: z.string().optional() })),
      }),
      upstreamLineage: z.looseObject({
        upstreams: z.array(z.looseObject({ auditStamp, dataset: datasetUrn, type: z.enum(['COPY', 'TRANSFORMED', 'VIEW']) })),
        fineGrainedLineages: z
          .array(
            z.looseObject({
              upstreamType: z.enum(['FIELD_SET', 'DATASET', 'NONE']),
              upstreams: z.array(fieldUrn).optional(),
              downstreamType: z.enum(['FIELD', 'FIELD_SET']),
              downstreams: z.array(fieldUrn).optional(),
              transformOperation: z.string().optional(),
              confidenceScore: z.number().min(0).max(1).optional(),
            }),
          )
          .optional(),
      }),
    } as Record<string, z.ZodType>,
  };
})();

/** The problems `schema` finds in `value`, each with its path under `where`; empty when valid. */
export function problemsOf(schema: z.ZodType, value: unknown, where: string): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${where}.${issue.path.join('.')}: ${issue.message}`);
}
