import { durationToMs } from '../product/descriptor.ts';
import type { ValidProduct } from '../contracts/mesh.ts';
import { publishedOutputFields, type FieldModel } from '../product/subgraph-model.ts';
import { bitolTeam } from './bitol-team.ts';
import { supportChannel } from './support-channel.ts';
import { LOCAL_GATEWAY_URL } from './export-defaults.ts';

/** The ODCS release our export follows. */
const ODCS_API_VERSION = 'v3.1.0';

/** Options of {@link toOdcs}. */
export interface OdcsOptions {
  /**
   * The gateway's GraphQL endpoint, named as the contract's `api` server: every product is
   * read through the gateway, never from its own service. @default LOCAL_GATEWAY_URL
   */
  gatewayUrl?: string;
}

const LOGICAL_TYPES: Record<string, string> = { ID: 'string', String: 'string', Int: 'integer', Float: 'number', Boolean: 'boolean' };

function logicalType(field: FieldModel, product: ValidProduct): string {
  if (field.typeRef.replace(/!$/, '').startsWith('[')) return 'array';
  const scalar = LOGICAL_TYPES[field.returnType];
  if (scalar) return scalar;
  // Enums travel as their value names; every other named type is an object.
  return product.model.types.get(field.returnType)?.kind === 'enum' ? 'string' : 'object';
}

/** An SLA duration as an ODCS value and unit (`latency`, `frequency`), in the largest unit that keeps it whole. */
function asSlaValue(duration: string): { value: number; unit: string } {
  const ms = durationToMs(duration);
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return { value: ms / size, unit };
  }
  return { value: ms / 1000, unit: 's' };
}

/**
 * A product as an Open Data Contract Standard (ODCS v3.1) document, so that data contract
 * tools can read it: one schema object per published GraphQL type, one property per
 * published field, with its classification, tags and quality rules (as the descriptor
 * words them), the SLA as `slaProperties`, and the gateway as the `api` server. GraphQL
 * details ODCS has no key for (the GraphQL type) go in `physicalType`; meshgate-only facts
 * (preview, the query that lists a type's rows) go in `customProperties`.
 */
export function toOdcs(product: ValidProduct, options: OdcsOptions = {}): Record<string, unknown> {
  const { descriptor } = product;
  const byType = new Map<string, FieldModel[]>();
  for (const field of publishedOutputFields(product.model)) byType.set(field.parent, [...(byType.get(field.parent) ?? []), field]);
  const schema = [...byType].map(([typeName, fields]) => {
    const type = product.model.types.get(typeName)!;
    const contract = descriptor.types[typeName];
    return {
      name: typeName,
      logicalType: 'object',
      physicalType: 'graphql-type',
      ...(type.description ? { description: type.description } : {}),
      ...(contract?.list ? { customProperties: [{ property: 'listQuery', value: contract.list }] } : {}),
      ...(contract?.quality ? { quality: contract.quality } : {}),
      properties: fields.map((field) => {
        const policy = descriptor.fields[field.coordinate];
        return {
          name: field.name,
          logicalType: logicalType(field, product),
          physicalType: field.typeRef,
          required: field.typeRef.endsWith('!'),
          ...(field.description ? { description: field.description } : {}),
          ...(policy ? { classification: policy.classification } : {}),
          ...(policy && policy.tags.length > 0 ? { tags: policy.tags } : {}),
          ...(policy?.quality ? { quality: policy.quality } : {}),
          ...(field.preview ? { customProperties: [{ property: 'preview', value: true }] } : {}),
        };
      }),
    };
  });
  const contact = descriptor.owner.contact;
  return {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: descriptor.id,
    name: descriptor.name,
    version: descriptor.version,
    status: descriptor.status,
    domain: descriptor.domain,
    dataProduct: descriptor.name,
    description: descriptor.description,
    servers: [
      {
        server: 'meshgate',
        type: 'api',
        location: options.gatewayUrl ?? LOCAL_GATEWAY_URL,
        description: 'The meshgate gateway: one GraphQL endpoint (POST) for every product of the mesh, under its access rules',
      },
    ],
    schema,
    team: bitolTeam(descriptor.owner),
    // A contact without a URL (a chat channel) is the channel's own name.
    support: [supportChannel(contact) ?? { channel: contact }],
    slaProperties: [
      { property: 'latency', ...asSlaValue(descriptor.sla.freshness) },
      { property: 'availability', value: Number(descriptor.sla.availability.replace('%', '')), unit: '%' },
      ...(descriptor.sla.frequency ? [{ property: 'frequency', ...asSlaValue(descriptor.sla.frequency) }] : []),
    ],
    customProperties: [
      { property: 'interface', value: 'graphql-federation-subgraph' },
      ...(descriptor.audience ? [{ property: 'audience', value: descriptor.audience }] : []),
      ...(descriptor.inputPorts.length > 0 ? [{ property: 'inputPorts', value: descriptor.inputPorts.map((port) => ({ product: port.product, version: port.version, fields: port.fields })) }] : []),
    ],
  };
}
