import type { ValidProduct } from '../contracts/mesh.ts';
import { rootFields, shapeOf, type ShapeField } from './graphql-shape.ts';
import { gatewayBase, type ServedAt } from './odps.ts';

/**
 * The mesh as OpenMetadata entities, as the bodies of OpenMetadata's create requests
 * (`CreateApiService`, `CreateAPICollection`, `CreateAPIEndpoint`, `CreateDataContract`):
 * the gateway is one API service, each product an API collection, each of its root fields
 * (`Query.customers`) an API endpoint with its request (arguments) and response schema,
 * and each endpoint gets a data contract on its response fields (preview fields left out:
 * they are outside the compatibility promise).
 *
 * A contract names its endpoint by fully qualified name: OpenMetadata attaches a contract to
 * an entity by the id it gave the entity when it was created, which no file can know in
 * advance, so the loader adds `entity: {id, type: "apiEndpoint"}` (see the README).
 */
export interface OpenMetadataExport {
  apiService: Record<string, unknown>;
  apiCollections: Record<string, unknown>[];
  apiEndpoints: Record<string, unknown>[];
  dataContracts: { apiEndpoint: string; contract: Record<string, unknown> }[];
}

/** OpenMetadata's API schema field types (`type/schema.json#/definitions/dataType`). */
const FIELD_TYPES: Record<ShapeField['kind'], string> = { string: 'STRING', int: 'INT', float: 'DOUBLE', boolean: 'BOOLEAN', enum: 'ENUM', object: 'RECORD' };
/** OpenMetadata's column types (`entity/data/table.json#/definitions/dataType`), for contract schemas. */
const COLUMN_TYPES: Record<ShapeField['kind'], string> = { string: 'STRING', int: 'INT', float: 'DOUBLE', boolean: 'BOOLEAN', enum: 'ENUM', object: 'STRUCT' };

/**
 * An API schema field carries no `dataTypeDisplay`: OpenMetadata added it to the field type
 * late, and the versions before refuse any key they do not define. The GraphQL type stays on
 * the contract's columns, which have long had it.
 */
function schemaField(field: ShapeField): Record<string, unknown> {
  return {
    name: field.name,
    dataType: field.list ? 'ARRAY' : FIELD_TYPES[field.kind],
    ...(field.description ? { description: field.description } : {}),
    ...(field.children.length > 0 ? { children: field.children.map(schemaField) } : {}),
  };
}

function column(field: ShapeField): Record<string, unknown> {
  return {
    name: field.name,
    dataType: field.list ? 'ARRAY' : COLUMN_TYPES[field.kind],
    ...(field.list ? { arrayDataType: COLUMN_TYPES[field.kind] } : {}),
    dataTypeDisplay: field.typeRef,
    ...(field.description ? { description: field.description } : {}),
    ...(field.required ? { constraint: 'NOT_NULL' } : {}),
    ...(field.children.length > 0 ? { children: field.children.filter((child) => !child.preview).map(column) } : {}),
  };
}

/**
 * A product's status as the contract's `entityStatus`, OpenMetadata's one status of governed
 * entities since 1.11 (`type/status.json`). It replaced the contract's own `status`, which
 * 1.11 and later refuse. A proposed product's contract is in review, a retired one's archived.
 */
const CONTRACT_STATUS: Record<ValidProduct['descriptor']['status'], string> = { proposed: 'In Review', draft: 'Draft', active: 'Active', deprecated: 'Deprecated', retired: 'Archived' };

export function toOpenMetadata(products: readonly ValidProduct[], served: ServedAt & { service: string }): OpenMetadataExport {
  const endpointURL = `${gatewayBase(served)}/graphql`;
  const out: OpenMetadataExport = {
    apiService: { name: served.service, displayName: 'meshgate', description: 'The data mesh, served as one federated GraphQL API by the meshgate gateway.', serviceType: 'Rest' },
    apiCollections: [],
    apiEndpoints: [],
    dataContracts: [],
  };
  for (const product of products) {
    const { descriptor } = product;
    const collection = `${served.service}.${product.name}`;
    out.apiCollections.push({ name: product.name, displayName: descriptor.title ?? product.name, description: descriptor.description.purpose, service: served.service, endpointURL });
    for (const { operation, field } of rootFields(product)) {
      const response = shapeOf(product, field);
      // A root field returning an object answers with that object's fields; a scalar one with itself.
      const responseFields = response.children.length > 0 ? response.children : [response];
      const name = field.name;
      out.apiEndpoints.push({
        name,
        displayName: `${operation}.${field.name}`,
        ...(field.description ? { description: field.description } : {}),
        apiCollection: collection,
        endpointURL,
        requestMethod: 'POST',
        requestSchema: {
          schemaType: 'JSON',
          schemaFields: field.args.map((arg) =>
            schemaField(shapeOf(product, { name: arg.name, description: arg.description, typeRef: arg.inputType, returnType: arg.inputType, preview: arg.preview })),
          ),
        },
        responseSchema: { schemaType: 'JSON', schemaFields: responseFields.map(schemaField) },
      });
      out.dataContracts.push({
        apiEndpoint: `${collection}.${name}`,
        contract: {
          name: `${product.name}-${name}`,
          description: `What ${operation}.${field.name} of ${product.name} ${descriptor.version} promises: its published response fields, with their types and which are never null.`,
          entityStatus: CONTRACT_STATUS[descriptor.status],
          schema: responseFields.filter((f) => !f.preview).map(column),
        },
      });
    }
  }
  return out;
}
