import { z } from 'zod';
import { MESHGATE_FACET_SCHEMAS } from '../../../schema/exports/openlineage.ts';

/**
 * The required fields and types of OpenLineage's published JSON Schema (core spec 2-0-2,
 * `https://openlineage.io/spec/2-0-2/OpenLineage.json`) and of the facets meshgate sends,
 * encoded by hand: no registry our machines reach ships the schema. Objects stay open
 * (`looseObject`), as the spec's `additionalProperties: true` leaves them.
 */
const uri = z.url();
const dateTime = z.iso.datetime({ offset: true });

/** `BaseFacet`: `_producer` and `_schemaURL`, both URIs, both required. */
export const baseFacet = z.looseObject({ _producer: uri, _schemaURL: uri });
/** `DatasetFacet`: a base facet with an optional `_deleted` boolean. */
const datasetFacet = baseFacet.extend({ _deleted: z.boolean().optional() });

/** `Dataset`: `namespace` and `name` required. */
export const dataset = z.looseObject({ namespace: z.string(), name: z.string(), facets: z.record(z.string(), datasetFacet).optional() });
const inputDataset = dataset.extend({ inputFacets: z.record(z.string(), baseFacet).optional() });
const outputDataset = dataset.extend({ outputFacets: z.record(z.string(), baseFacet).optional() });

/** `BaseEvent`: `eventTime` (date-time), `producer` and `schemaURL` (URIs), all required. */
const baseEvent = z.looseObject({ eventTime: dateTime, producer: uri, schemaURL: uri });

/** `RunEvent`: a base event with `run` (`runId`, a UUID) and `job` (`namespace`, `name`) required. */
export const runEvent = baseEvent.extend({
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
  run: z.looseObject({ runId: z.uuid(), facets: z.record(z.string(), baseFacet).optional() }),
  job: z.looseObject({ namespace: z.string(), name: z.string(), facets: z.record(z.string(), baseFacet).optional() }),
  inputs: z.array(inputDataset).optional(),
  outputs: z.array(outputDataset).optional(),
});

/** `DatasetEvent`: a base event with `dataset` required, and neither `run` nor `job` (`not: {required: [job, run]}`). */
export const datasetEvent = baseEvent
  .extend({ dataset })
  .refine((event) => !('run' in event) && !('job' in event), 'a DatasetEvent carries no run or job');

/** The facets by the key the spec gives them, with their own required fields. */
export const facets = {
  /** SchemaDatasetFacet 1-1-1: `fields[].name` required; `type`, `description` strings. */
  schema: datasetFacet.extend({ fields: z.array(z.looseObject({ name: z.string(), type: z.string().optional(), description: z.string().optional() })) }),
  /** DocumentationDatasetFacet: `description` required. */
  documentation: datasetFacet.extend({ description: z.string() }),
  /** OwnershipDatasetFacet: `owners[].name` required, `type` a string. */
  ownership: datasetFacet.extend({ owners: z.array(z.looseObject({ name: z.string(), type: z.string().optional() })) }),
  /** DatasetVersionDatasetFacet (key `version`): `datasetVersion` required. */
  version: datasetFacet.extend({ datasetVersion: z.string() }),
  /** ColumnLineageDatasetFacet 1-2-0: `fields` required; each `inputFields[]` needs namespace, name, field; a transformation needs `type`. */
  columnLineage: datasetFacet.extend({
    fields: z.record(
      z.string(),
      z.looseObject({
        inputFields: z.array(
          z.looseObject({
            namespace: z.string(),
            name: z.string(),
            field: z.string(),
            transformations: z.array(z.looseObject({ type: z.string(), subtype: z.string().optional(), description: z.string().optional(), masking: z.boolean().optional() })).optional(),
          }),
        ),
      }),
    ),
  }),
  /** JobTypeJobFacet: `processingType` and `integration` required. */
  jobType: baseFacet.extend({ processingType: z.string(), integration: z.string(), jobType: z.string().optional() }),
  /** ErrorMessageRunFacet: `message` and `programmingLanguage` required. */
  errorMessage: baseFacet.extend({ message: z.string(), programmingLanguage: z.string(), stackTrace: z.string().optional() }),
} as const;

/**
 * A custom facet against the schema its `_schemaURL` points at (`…#/$defs/<Name>`), from
 * the ones meshgate publishes: its required keys, and the JSON type of each known property.
 */
function customFacetProblems(value: unknown, where: string): string[] {
  const facet = value as Record<string, unknown>;
  const base = baseFacet.safeParse(facet);
  if (!base.success) return [`${where}: not a facet (${base.error.issues[0]?.message})`];
  const name = /^https:\/\/meshgate\.dev\/.+#\/\$defs\/(\w+)$/.exec(String(facet._schemaURL))?.[1];
  const schema = name ? (MESHGATE_FACET_SCHEMAS as Record<string, { required: readonly string[]; properties: Record<string, { type: string }> }>)[name] : undefined;
  if (!schema) return [`${where}: _schemaURL ${String(facet._schemaURL)} names no schema meshgate publishes`];
  const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
  return [
    ...schema.required.filter((key) => !(key in facet)).map((key) => `${where}.${key}: required`),
    ...Object.entries(schema.properties).filter(([key, property]) => key in facet && typeOf(facet[key]) !== property.type).map(([key, property]) => `${where}.${key}: expected ${property.type}`),
  ];
}

/**
 * Checks an event (run or dataset) and every facet it carries whose key the spec defines;
 * a custom facet must be prefixed (`meshgate_`) and point `_schemaURL` at its own schema.
 * Returns the problems, empty when the event is valid.
 */
export function openLineageProblems(event: unknown, kind: 'run' | 'dataset'): string[] {
  const problems: string[] = [];
  const check = (schema: z.ZodType, value: unknown, where: string) => {
    const result = schema.safeParse(value);
    if (!result.success) problems.push(...result.error.issues.map((issue) => `${where}.${issue.path.join('.')}: ${issue.message}`));
  };
  check(kind === 'run' ? runEvent : datasetEvent, event, kind);
  const checkFacets = (all: Record<string, unknown> | undefined, where: string) => {
    for (const [key, value] of Object.entries(all ?? {})) {
      const known = facets[key as keyof typeof facets];
      if (known) check(known, value, `${where}.${key}`);
      else if (!key.startsWith('meshgate_')) problems.push(`${where}.${key}: a custom facet must be prefixed with its producer`);
      else problems.push(...customFacetProblems(value, `${where}.${key}`));
    }
  };
  const e = event as { run?: { facets?: Record<string, unknown> }; job?: { facets?: Record<string, unknown> }; inputs?: { facets?: Record<string, unknown>; inputFacets?: Record<string, unknown> }[]; dataset?: { facets?: Record<string, unknown> } };
  checkFacets(e.run?.facets, 'run.facets');
  checkFacets(e.job?.facets, 'job.facets');
  for (const [i, input] of (e.inputs ?? []).entries()) {
    checkFacets(input.facets, `inputs.${i}.facets`);
    checkFacets(input.inputFacets, `inputs.${i}.inputFacets`);
  }
  checkFacets(e.dataset?.facets, 'dataset.facets');
  return problems;
}
