import { durationToMs } from '../product/descriptor.ts';
import type { LineageEdge } from '../contracts/lineage.ts';
import type { ValidProduct } from '../contracts/mesh.ts';
import { publishedOutputFields, type FieldModel } from '../product/subgraph-model.ts';
import { shapeOf, type ShapeField } from './graphql-shape.ts';

/**
 * The mesh for DataHub, as the two things its CLI loads:
 * - one data contract per product (`datahub datacontract upsert -f FILE`): the dataset it
 *   applies to, a JSON-schema contract on the product's published fields, and the SLA
 *   freshness as a fixed-interval freshness assertion;
 * - metadata change proposals for the `file` ingestion source (`datahub ingest -c recipe`):
 *   per product its properties, owner, schema and upstream lineage, dataset-level (its input
 *   ports) and field-level (the mesh lineage's edges as fine-grained lineage).
 * Each product is a dataset on the `graphql` platform, named `<service>.<product>`.
 */
export interface DataHubExport {
  /** Contract YAML documents by product name. */
  contracts: Map<string, Record<string, unknown>>;
  /** MCPs, in the JSON form DataHub's file source reads (`aspect.json`). */
  proposals: Record<string, unknown>[];
}

export interface DataHubOptions {
  /** The name products are prefixed with (`meshgate.sales`). @default "meshgate" */
  service: string;
  /** DataHub's fabric of the datasets. @default "PROD" */
  env: string;
}

const DATAHUB_PLATFORM = 'urn:li:dataPlatform:graphql';

export function datasetUrn(product: string, options: DataHubOptions): string {
  return `urn:li:dataset:(${DATAHUB_PLATFORM},${options.service}.${product},${options.env})`;
}

function fieldUrn(dataset: string, fieldPath: string): string {
  return `urn:li:schemaField:(${dataset},${fieldPath})`;
}

const DATAHUB_TYPES: Record<ShapeField['kind'], string> = { string: 'StringType', int: 'NumberType', float: 'NumberType', boolean: 'BooleanType', enum: 'EnumType', object: 'RecordType' };
const JSON_SCHEMA_TYPES: Record<ShapeField['kind'], string> = { string: 'string', int: 'integer', float: 'number', boolean: 'boolean', enum: 'string', object: 'object' };
/** DataHub records who made a change; an export has no user, so it says the system did, at time 0 (unknown). */
const AUDIT = { time: 0, actor: 'urn:li:corpuser:datahub' };

function shallow(product: ValidProduct, field: FieldModel): ShapeField {
  // One level: the schema lists every published `Type.field`, so nested types are listed on their own.
  return { ...shapeOf(product, field, new Set([field.returnType])), children: [] };
}

function proposal(entityUrn: string, aspectName: string, json: Record<string, unknown>): Record<string, unknown> {
  return { entityType: 'dataset', entityUrn, changeType: 'UPSERT', aspectName, aspect: { json } };
}

export function toDataHub(products: readonly ValidProduct[], edges: readonly LineageEdge[], options: DataHubOptions): DataHubExport {
  const contracts = new Map<string, Record<string, unknown>>();
  const proposals: Record<string, unknown>[] = [];
  for (const product of products) {
    const { descriptor } = product;
    const urn = datasetUrn(product.name, options);
    const fields = [...publishedOutputFields(product.model)].map((field) => ({ path: field.coordinate, shape: shallow(product, field) }));
    const known = new Set(fields.map((field) => field.path));
    // Paths other products read through @requires (`Customer.orderSummary.totalSpentUsd`) are
    // listed too, so their fine-grained lineage points at a field of this schema.
    const readPaths = [
      ...new Set(
        edges
          .map((edge) => edge.from)
          .filter((id) => id.startsWith(`${product.name}:`))
          .map((id) => id.slice(product.name.length + 1)),
      ),
    ].filter((path) => !known.has(path));
    const schemaFields = [
      ...fields.map(({ path, shape }) => ({
        fieldPath: path,
        nativeDataType: shape.typeRef,
        type: { type: { [`com.linkedin.schema.${shape.list ? 'ArrayType' : DATAHUB_TYPES[shape.kind]}`]: {} } },
        nullable: !shape.required,
        ...(shape.description ? { description: shape.description } : {}),
      })),
      ...readPaths.map((path) => ({ fieldPath: path, nativeDataType: 'nested field', type: { type: { 'com.linkedin.schema.RecordType': {} } }, nullable: true })),
    ];
    proposals.push(
      proposal(urn, 'datasetProperties', {
        name: product.name,
        description: `${descriptor.description.purpose}\n\nUsage: ${descriptor.description.usage}\n\nLimitations: ${descriptor.description.limitations}`,
        customProperties: { version: descriptor.version, status: descriptor.status, domain: descriptor.domain, freshness: descriptor.sla.freshness, availability: descriptor.sla.availability },
        tags: [],
      }),
      proposal(urn, 'ownership', { owners: [{ owner: `urn:li:corpGroup:${descriptor.owner.team}`, type: 'TECHNICAL_OWNER' }], lastModified: AUDIT }),
      proposal(urn, 'schemaMetadata', {
        schemaName: product.name,
        platform: DATAHUB_PLATFORM,
        version: 0,
        hash: '',
        // The published fields only: the product's SDL also holds its @inaccessible internals.
        platformSchema: { 'com.linkedin.schema.OtherSchema': { rawSchema: publishedSdl(fields) } },
        fields: schemaFields,
      }),
    );
    const mine = edges.filter((edge) => edge.to.startsWith(`${product.name}:`));
    const upstreamProducts = [...new Set([...descriptor.inputPorts.map((port) => port.product), ...mine.map((edge) => edge.from.split(':')[0]!)])].sort();
    if (upstreamProducts.length > 0) {
      const byDownstream = new Map<string, LineageEdge[]>();
      for (const edge of mine) byDownstream.set(edge.to, [...(byDownstream.get(edge.to) ?? []), edge]);
      proposals.push(
        proposal(urn, 'upstreamLineage', {
          upstreams: upstreamProducts.map((name) => ({ auditStamp: AUDIT, dataset: datasetUrn(name, options), type: 'TRANSFORMED' })),
          fineGrainedLineages: [...byDownstream].map(([to, from]) => ({
            upstreamType: 'FIELD_SET',
            upstreams: from.map((edge) => fieldUrn(datasetUrn(edge.from.split(':')[0]!, options), edge.from.slice(edge.from.indexOf(':') + 1))),
            downstreamType: 'FIELD',
            downstreams: [fieldUrn(urn, to.slice(to.indexOf(':') + 1))],
            transformOperation: [...new Set(from.map((edge) => edge.via))].sort().join('+'),
            confidenceScore: 1,
          })),
        }),
      );
    }
    // Preview fields are served to clients that opt in, outside the compatibility promise: no contract binds them.
    const bound = fields.filter(({ shape }) => !shape.preview);
    contracts.set(product.name, {
      version: 1,
      entity: urn,
      schema: {
        type: 'json-schema',
        'json-schema': {
          type: 'object',
          properties: Object.fromEntries(
            bound.map(({ path, shape }) => [path, { type: shape.list ? 'array' : JSON_SCHEMA_TYPES[shape.kind], ...(shape.description ? { description: shape.description } : {}) }]),
          ),
          required: bound.filter(({ shape }) => shape.required).map(({ path }) => path),
        },
      },
      // DataHub reads a bare number as seconds.
      freshness: { type: 'interval', interval: durationToMs(descriptor.sla.freshness) / 1000 },
    });
  }
  return { contracts, proposals };
}

/** The published fields as SDL, one type block each. */
function publishedSdl(fields: readonly { path: string; shape: ShapeField }[]): string {
  const byType = new Map<string, string[]>();
  for (const { path, shape } of fields) {
    const [type, name] = path.split('.') as [string, string];
    byType.set(type, [...(byType.get(type) ?? []), `  ${name}: ${shape.typeRef}`]);
  }
  return [...byType].map(([type, lines]) => `type ${type} {\n${lines.join('\n')}\n}`).join('\n\n');
}

/** The ingestion recipe that loads `proposalsPath` into the DataHub at `server`. */
export function dataHubRecipe(proposalsPath: string, server: string): Record<string, unknown> {
  return { source: { type: 'file', config: { path: proposalsPath } }, sink: { type: 'datahub-rest', config: { server } } };
}
