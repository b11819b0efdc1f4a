import * as z from 'zod';

/**
 * DataHub publishes no JSON Schema we could store, so its required fields and types are
 * encoded here by hand from its models: the data contract YAML `datahub datacontract upsert`
 * reads (`datahub/api/entities/datacontract/datacontract.py`, extra keys forbidden, so the
 * object here is strict too) and the aspects our proposals carry (`SchemaMetadata`,
 * `UpstreamLineage`, `DatasetProperties`, `Ownership` in the PDL models), in the file
 * source's JSON form.
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
