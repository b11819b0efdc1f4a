import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
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
 * `createAPICollection`, `createAPIEndpoint`, `createDataContract`), each compiled whole with
 * every schema it reaches. A request `$ref`s an entity schema (`apiService.json`,
 * `apiEndpoint.json`, `table.json`, `dataContract.json`) only for its `definitions` (a
 * service type, a request method, a column, a contract's SLA); the entity's own properties
 * describe what OpenMetadata answers and reach dozens of files no request needs (versions,
 * votes, every database service), so those four are registered by their definitions alone. A
 * request that came to reference an entity's properties fails to compile: nothing is skipped.
 */
const openMetadata = (() => {
  // The files mix drafts (some say 2020-12, the others draft-07).
  const ajv = withFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json') as AnySchemaObject);
  // Two formats of OpenMetadata's own that no validator knows: `utc-millisec` (draft 3's, on
  // an integer timestamp its type already holds) and `queryBuilder` (a hint to its UI's editor).
  ajv.addFormat('utc-millisec', true);
  ajv.addFormat('queryBuilder', true);
  const root = join(STANDARDS, 'openmetadata');
  const entities = new Set(['entity/services/apiService.json', 'entity/data/apiEndpoint.json', 'entity/data/table.json', 'entity/data/dataContract.json']);
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  for (const file of files) {
    const schema = stored(join('openmetadata', file)) as { $id: string; $schema: string; definitions?: object };
    ajv.addSchema(entities.has(file) ? { $id: schema.$id, $schema: schema.$schema, definitions: schema.definitions } : schema);
  }
  return ajv;
})();

/** The create request each part of the OpenMetadata export is sent as. */
export const OPENMETADATA_REQUESTS = {
  apiService: 'api/services/createApiService.json',
  apiCollection: 'api/data/createAPICollection.json',
  apiEndpoint: 'api/data/createAPIEndpoint.json',
  dataContract: 'api/data/createDataContract.json',
} as const;

/** What OpenMetadata's published create request finds wrong in `value`, one line each; empty when valid. */
export function openMetadataRequestProblems(request: keyof typeof OPENMETADATA_REQUESTS, value: Record<string, unknown>, where: string): string[] {
  return problemsOf(openMetadata.getSchema(`https://open-metadata.org/schema/${OPENMETADATA_REQUESTS[request]}`)!, value, where);
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
