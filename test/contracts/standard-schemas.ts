import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Ajv, AnySchema, AnySchemaObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The standards' own published JSON schemas (test/fixtures/standards/, stored verbatim, each
 * file's origin in the README beside it), compiled with ajv. `strict: false` because the
 * standards' schemas carry keywords of their own (`example`, `javaType`) that are notes, not
 * rules; every `format` they use is checked (ajv-formats).
 */
const STANDARDS = join(import.meta.dirname, '..', 'fixtures', 'standards');

function stored(path: string): AnySchema {
  return JSON.parse(readFileSync(join(STANDARDS, path), 'utf8')) as AnySchema;
}

// ajv-formats is CommonJS: under NodeNext its function is the module's `default`.
const addFormats = addFormatsModule.default;

function withFormats<T extends Ajv | Ajv2019 | Ajv2020>(ajv: T): T {
  addFormats(ajv);
  return ajv;
}

function draft2019(): Ajv2019 {
  return withFormats(new Ajv2019({ strict: false, allErrors: true }));
}

/** Bitol ODPS: the v1.1.0 schema, the published one that holds v1.0.0's approved shape (team object, open definition types). */
export const odpsSchema = draft2019().compile(stored('odps/odps-json-schema-v1.1.0.json'));

/** Bitol ODCS v3.1.0, the release our contracts name (`apiVersion: v3.1.0`). */
export const odcsSchema = draft2019().compile(stored('odcs/odcs-json-schema-v3.1.0.json'));

/**
 * OpenMetadata's create requests, the bodies the export is POSTed as (`createApiService`,
 * `createAPICollection`, `createAPIEndpoint`, `createDataContract`), with the types their
 * top-level properties `$ref` (`basic.json`, `status.json`, `entityReference.json`). The
 * nested types (a contract's columns: `table.json` and a dozen files it reaches; an
 * endpoint's `apiSchema.json`; a service's `apiService.json`) are not stored, so a request
 * cannot be compiled whole: {@link openMetadataRequestProblems} holds each top-level property
 * to its own published schema, and the keys to the request's `properties` and `required`.
 */
const openMetadata = (() => {
  // The requests mix drafts (`createDataContract.json` and `basic.json` say 2020-12, the others draft-07).
  const ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json') as AnySchemaObject);
  const files = [
    'type/basic.json',
    'type/status.json',
    'type/entityReference.json',
    'api/services/createApiService.json',
    'api/data/createAPICollection.json',
    'api/data/createAPIEndpoint.json',
    'api/data/createDataContract.json',
  ];
  const schemas = new Map(files.map((file) => [file, stored(join('openmetadata', file)) as { $id: string; properties: Record<string, unknown>; required?: string[] }]));
  for (const schema of schemas.values()) ajv.addSchema(schema);
  return { ajv, request: (file: string) => schemas.get(file)! };
})();

/** The create request each part of the OpenMetadata export is sent as. */
export const OPENMETADATA_REQUESTS = {
  apiService: 'api/services/createApiService.json',
  apiCollection: 'api/data/createAPICollection.json',
  apiEndpoint: 'api/data/createAPIEndpoint.json',
  dataContract: 'api/data/createDataContract.json',
} as const;

/**
 * What OpenMetadata's published create request finds wrong in `value`: a key the request
 * does not define (each says `additionalProperties: false`), a required key missing, and each
 * property against its published schema. `unchecked` names the properties whose schemas reach
 * files not stored here (they stay with catalog-specs.ts).
 */
export function openMetadataRequestProblems(request: keyof typeof OPENMETADATA_REQUESTS, value: Record<string, unknown>, where: string): { problems: string[]; unchecked: string[] } {
  const schema = openMetadata.request(OPENMETADATA_REQUESTS[request]);
  const problems = [
    ...Object.keys(value)
      .filter((key) => !(key in schema.properties))
      .map((key) => `${where}: ${key} is not a property of ${schema.$id}`),
    ...(schema.required ?? []).filter((key) => !(key in value)).map((key) => `${where}: must have required property '${key}'`),
  ];
  const unchecked: string[] = [];
  for (const [key, property] of Object.entries(value)) {
    const validate = key in schema.properties ? openMetadataProperty(schema, key) : undefined;
    if (validate) problems.push(...problemsOf(validate, property, `${where}.${key}`));
    else if (key in schema.properties) unchecked.push(key);
  }
  return { problems, unchecked };
}

/**
 * One property's published schema, compiled alone: ajv compiles a whole request when asked
 * for a part of it, and a request reaches files not stored. The property's schema is the
 * stored one as it is, given an id beside its request's so its relative `$ref`s resolve as
 * they do there. Undefined when it reaches a file not stored.
 */
function openMetadataProperty(request: { $id: string; properties: Record<string, unknown> }, key: string): ValidateFunction | undefined {
  const id = new URL(`./${request.$id.slice(request.$id.lastIndexOf('/') + 1)}.properties.${key}`, request.$id).href;
  const compiled = openMetadata.ajv.getSchema(id);
  if (compiled) return compiled;
  try {
    return openMetadata.ajv.compile({ ...(request.properties[key] as object), $id: id });
  } catch (error) {
    if ((error as { missingRef?: string }).missingRef === undefined) throw error;
    openMetadata.ajv.removeSchema(id);
    return undefined;
  }
}

/** What `validate` finds wrong in `value`, one line each with its path under `where`; empty when valid. */
export function problemsOf(validate: ValidateFunction, value: unknown, where: string): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (error) => `${where}${error.instancePath}: ${error.message ?? error.keyword}${error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : ''}`,
  );
}

/**
 * OpenLineage: the core spec and every facet schema meshgate's `_schemaURL`s name. Each facet
 * schema `$ref`s the core version current when it was written (1-0-2, 1-0-3, 2-0-2) for its
 * base (`RunFacet`, `JobFacet`, `DatasetFacet`); those resolve to the stored core, whose bases
 * are the same (`_producer` and `_schemaURL`, required URIs; `_deleted` optional).
 */
const openLineage = (() => {
  const ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }));
  const core = stored('openlineage/OpenLineage.json') as { $id: string };
  ajv.addSchema(core);
  for (const version of ['1-0-2', '1-0-3', '2-0-2']) ajv.addSchema(core, `https://openlineage.io/spec/${version}/OpenLineage.json`);
  for (const file of readdirSync(join(STANDARDS, 'openlineage', 'facets'))) ajv.addSchema(stored(join('openlineage', 'facets', file)));
  return { ajv, core: core.$id };
})();

/** The facets of an event, by where they sit (`run.facets`, `inputs.0.facets`...). */
function facetsOf(event: Record<string, any>): [string, Record<string, unknown>][] {
  const datasets = (list: unknown, name: string) =>
    ((list ?? []) as Record<string, any>[]).flatMap((dataset, i) => [
      [`${name}.${i}.facets`, dataset.facets],
      [`${name}.${i}.inputFacets`, dataset.inputFacets],
      [`${name}.${i}.outputFacets`, dataset.outputFacets],
    ]);
  const all = [
    ['run.facets', event.run?.facets],
    ['job.facets', event.job?.facets],
    ['dataset.facets', event.dataset?.facets],
    ...datasets(event.inputs, 'inputs'),
    ...datasets(event.outputs, 'outputs'),
  ];
  return all.filter((entry): entry is [string, Record<string, unknown>] => entry[1] !== undefined && entry[1] !== null && typeof entry[1] === 'object');
}

/**
 * An OpenLineage event checked against the published core spec (as a `RunEvent` or a
 * `DatasetEvent`), and each facet against the published schema its `_schemaURL` names: a
 * facet whose URL names no schema held here, or that sits under a key other than the one its
 * schema gives it, is a problem. Empty when the event is valid.
 */
export function openLineageProblems(event: unknown, kind: 'run' | 'dataset'): string[] {
  const { ajv, core } = openLineage;
  const problems = problemsOf(ajv.getSchema(`${core}#/$defs/${kind === 'run' ? 'RunEvent' : 'DatasetEvent'}`)!, event, kind);
  if (!event || typeof event !== 'object') return problems;
  for (const [where, facets] of facetsOf(event as Record<string, any>)) {
    for (const [key, facet] of Object.entries(facets)) {
      const url = (facet as { _schemaURL?: unknown } | null)?._schemaURL;
      const validate = typeof url === 'string' ? ajv.getSchema(url) : undefined;
      if (!validate) {
        problems.push(`${where}.${key}: _schemaURL ${String(url)} names no published schema held in test/fixtures/standards/openlineage`);
        continue;
      }
      problems.push(...problemsOf(validate, facet, `${where}.${key}`));
      const keys = Object.keys((ajv.getSchema((url as string).split('#')[0]!)?.schema as { properties?: object } | undefined)?.properties ?? {});
      if (!keys.includes(key)) problems.push(`${where}.${key}: its schema names this facet ${keys.join(' or ')}`);
    }
  }
  return problems;
}

/** The tags an event's dataset carries in its `tags` facet: the fields tagged `read`, the other tags by key. */
export function tagsOf(dataset: { facets?: Record<string, unknown> } | undefined): { read: string[]; tags: Map<string, string> } {
  const tags = ((dataset?.facets?.tags as { tags?: unknown } | undefined)?.tags ?? []) as { key: string; value: string; field?: string }[];
  return { read: tags.filter((tag) => tag.key === 'read' && tag.field).map((tag) => tag.field!), tags: new Map(tags.filter((tag) => !tag.field).map((tag) => [tag.key, tag.value])) };
}
