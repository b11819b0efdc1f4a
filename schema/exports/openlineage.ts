import { splitFieldId, type LineageEdge } from '../contracts/lineage.ts';
import type { ValidProduct } from '../contracts/mesh.ts';
import { publishedOutputFields } from '../product/subgraph-model.ts';

/**
 * OpenLineage (core spec 2-0-2) as meshgate speaks it, for the gateway's run events and the
 * static `meshgate export openlineage`. Every product is one dataset in `namespace`, named
 * by the product; its fields are `Type.field` (a `@requires` path may go deeper:
 * `Customer.orderSummary.totalSpentUsd`), the ids the mesh lineage uses.
 */
const OPENLINEAGE_SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
/** Who wrote an event or facet, as the spec's `producer` / `_producer` (a URI). */
const MESHGATE_PRODUCER = 'https://meshgate.dev/meshgate';

/**
 * The standard facets meshgate sends, each named by the published schema it follows
 * (`https://openlineage.io/spec/facets/<version>/<Facet>.json`). meshgate's own facts (the
 * consumer, the watermark a product answered with, the fields a run read) travel as `tags`
 * facets rather than custom facets: a custom facet must point `_schemaURL` at a schema its
 * producer publishes, and meshgate has no public address to publish one at.
 */
const FACET_SCHEMAS = {
  schema: 'https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  documentation: 'https://openlineage.io/spec/facets/1-0-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet',
  ownership: 'https://openlineage.io/spec/facets/1-0-0/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  columnLineage: 'https://openlineage.io/spec/facets/1-1-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
  datasetTags: 'https://openlineage.io/spec/facets/2-0-3/TagsDatasetFacet.json#/$defs/TagsDatasetFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-2/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  jobTags: 'https://openlineage.io/spec/facets/2-0-3/TagsJobFacet.json#/$defs/TagsJobFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
} as const;

/** The `source` of the tags meshgate sets, as the spec's examples name an integration (`SPARK`, `DBT CORE`). */
const TAG_SOURCE = 'MESHGATE';

export interface Facet {
  _producer: string;
  _schemaURL: string;
  [key: string]: unknown;
}

export interface Dataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
}

export interface InputDataset extends Dataset {
  inputFacets?: Record<string, Facet>;
}

export interface RunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, Facet> };
  job: { namespace: string; name: string; facets?: Record<string, Facet> };
  inputs: InputDataset[];
  outputs: Dataset[];
}

export interface DatasetEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  dataset: Dataset;
}

function facet(schemaURL: string, body: Record<string, unknown>): Facet {
  return { _producer: MESHGATE_PRODUCER, _schemaURL: schemaURL, ...body };
}

/** What a product dataset is described by, whether read from a descriptor or from the supergraph. */
export interface ProductDatasetSource {
  name: string;
  /** Unknown for a product of a supergraph composed elsewhere that did not answer. */
  version: string | undefined;
  owner: { team: string; contact: string } | undefined;
  description?: string;
  /** Its published fields, `Type.field`, with their GraphQL type as written. */
  fields: readonly { name: string; type: string; description?: string }[];
}

/**
 * A product as a dataset: `schema` (its published fields), `ownership` (the owning team and
 * its contact), `version` (the product's version), when known `documentation`, and the
 * column lineage of its fields computed from other products' (those in `only`, when given).
 */
export function productDataset(namespace: string, product: ProductDatasetSource, edges: readonly LineageEdge[], only?: ReadonlySet<string>): Dataset {
  const columnLineage = columnLineageFacet(namespace, product.name, edges, only);
  return {
    namespace,
    name: product.name,
    facets: {
      schema: facet(FACET_SCHEMAS.schema, { fields: product.fields.map((field) => ({ name: field.name, type: field.type, ...(field.description ? { description: field.description } : {}) })) }),
      ...(product.owner
        ? {
            ownership: facet(FACET_SCHEMAS.ownership, {
              owners: [
                { name: `team:${product.owner.team}`, type: 'OWNER' },
                { name: `contact:${product.owner.contact}`, type: 'CONTACT' },
              ],
            }),
          }
        : {}),
      ...(product.version ? { version: facet(FACET_SCHEMAS.version, { datasetVersion: product.version }) } : {}),
      ...(product.description ? { documentation: facet(FACET_SCHEMAS.documentation, { description: product.description }) } : {}),
      ...(columnLineage ? { columnLineage } : {}),
    },
  };
}

/**
 * The column lineage of `product`'s fields computed from other products' fields. A
 * `@requires` edge is a DIRECT transformation (the value is computed from the source
 * field); a `key` edge is INDIRECT/JOIN (the row is the entity the source identifies).
 * Undefined when the product computes nothing from others.
 */
function columnLineageFacet(namespace: string, product: string, edges: readonly LineageEdge[], only?: ReadonlySet<string>): Facet | undefined {
  const fields: Record<string, { inputFields: unknown[] }> = {};
  for (const edge of edges) {
    const to = splitFieldId(edge.to);
    if (to.product !== product || (only && !only.has(to.field))) continue;
    const from = splitFieldId(edge.from);
    const transformation =
      edge.via === 'requires'
        ? { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'computed through @requires' }
        : { type: 'INDIRECT', subtype: 'JOIN', description: 'entity joined on its key' };
    let field = fields[to.field];
    if (!field) {
      field = { inputFields: [] };
      fields[to.field] = field;
    }
    field.inputFields.push({ namespace, name: from.product, field: from.field, transformations: [transformation] });
  }
  return Object.keys(fields).length > 0 ? facet(FACET_SCHEMAS.columnLineage, { fields }) : undefined;
}

/** The watermark a product reported with its answer: its newest data, its SLA freshness, and whether it was past it. */
export interface Watermark {
  dataAsOf: string;
  freshness: string | undefined;
  stale: boolean;
}

/**
 * What one run saw of an input product, as its `tags` facet: one `read` tag per field the run
 * read (the tag's `field`), and `dataAsOf`, `freshness` and `stale` when the product reported
 * a watermark with its answer.
 */
export function readTagsFacet(fields: readonly string[], watermark: Watermark | undefined): Facet {
  const tags = [
    ...fields.map((field) => ({ key: 'read', value: 'true', field, source: TAG_SOURCE })),
    ...(watermark
      ? [
          { key: 'dataAsOf', value: watermark.dataAsOf, source: TAG_SOURCE },
          ...(watermark.freshness ? [{ key: 'freshness', value: watermark.freshness, source: TAG_SOURCE }] : []),
          { key: 'stale', value: String(watermark.stale), source: TAG_SOURCE },
        ]
      : []),
  ];
  return facet(FACET_SCHEMAS.datasetTags, { tags });
}

/**
 * Who ran an operation. The client's name and version are headers the caller chooses;
 * `verifiedApplication` is its token's application claim, and `agreedConsumer` the registry
 * consumer an access agreement names for that application: each present only where known,
 * so a lineage reader can tell a verified consumer from a name a caller sent.
 */
export interface LineageConsumer {
  clientName: string;
  clientVersion: string;
  operationName: string;
  verifiedApplication?: string | undefined;
  agreedConsumer?: string | undefined;
}

export interface RunEventInput {
  namespace: string;
  runId: string;
  eventTime: string;
  failed: boolean;
  errorMessage?: string;
  consumer: LineageConsumer;
  inputs: InputDataset[];
}

/**
 * One executed gateway operation as a run of the consumer's job. The job is named
 * `client/operation`: the client version goes in the job's `tags` facet rather than
 * the name, so a client's new release continues its job's history instead of starting a new job.
 */
export function runEvent(input: RunEventInput): RunEvent {
  const { consumer } = input;
  return {
    eventType: input.failed ? 'FAIL' : 'COMPLETE',
    eventTime: input.eventTime,
    producer: MESHGATE_PRODUCER,
    schemaURL: `${OPENLINEAGE_SPEC}#/$defs/RunEvent`,
    run: {
      runId: input.runId,
      ...(input.failed && input.errorMessage ? { facets: { errorMessage: facet(FACET_SCHEMAS.errorMessage, { message: input.errorMessage, programmingLanguage: 'GraphQL' }) } } : {}),
    },
    job: {
      namespace: input.namespace,
      name: `${consumer.clientName}/${consumer.operationName}`,
      facets: {
        jobType: facet(FACET_SCHEMAS.jobType, { processingType: 'BATCH', integration: 'MESHGATE', jobType: 'QUERY' }),
        // Who ran it: the client (name and version, as the gateway's metrics bound them), its operation, and its verified application and consumer where known.
        tags: facet(FACET_SCHEMAS.jobTags, {
          tags: Object.entries(consumer)
            .filter((entry): entry is [string, string] => entry[1] !== undefined)
            .map(([key, value]) => ({ key, value, source: TAG_SOURCE })),
        }),
      },
    },
    inputs: input.inputs,
    outputs: [],
  };
}

/** A static dataset event: a dataset's facets without a run. */
function datasetEvent(dataset: Dataset, eventTime: string): DatasetEvent {
  return { eventTime, producer: MESHGATE_PRODUCER, schemaURL: `${OPENLINEAGE_SPEC}#/$defs/DatasetEvent`, dataset };
}

/** A product's published fields as {@link ProductDatasetSource} fields. */
function publishedDatasetFields(product: ValidProduct): ProductDatasetSource['fields'] {
  return [...publishedOutputFields(product.model)].map((field) => ({ name: field.coordinate, type: field.typeRef, ...(field.description ? { description: field.description } : {}) }));
}

/**
 * The static field-level lineage of the mesh (`meshgate export openlineage`): one dataset
 * event per product, with its schema, owners, version, documentation and the column
 * lineage of the fields it computes from other products (the mesh lineage's `edges`).
 */
export function toOpenLineageDatasetEvents(products: readonly ValidProduct[], edges: readonly LineageEdge[], options: { namespace: string; eventTime: string }): DatasetEvent[] {
  return products.map((product) => {
    const { descriptor } = product;
    const { purpose, usage, limitations } = descriptor.description;
    const description = [purpose, `Usage: ${usage}`, `Limitations: ${limitations}`].join('\n\n');
    const source: ProductDatasetSource = { name: product.name, version: descriptor.version, owner: descriptor.owner, description, fields: publishedDatasetFields(product) };
    return datasetEvent(productDataset(options.namespace, source, edges), options.eventTime);
  });
}
