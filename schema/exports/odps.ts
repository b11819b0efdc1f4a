import type { ValidProduct } from '../contracts/mesh.ts';
import { toOdcs } from './odcs.ts';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { ProductConsumer } from '../registry/agreements.ts';
import { bitolTeam } from './bitol-team.ts';
import { supportChannel } from './support-channel.ts';

/**
 * The ODPS release our export follows. Its approved form (2025-09-24) has ODCS v3.1's team
 * object and open `authoritativeDefinitions.type`; the suite checks the export against the
 * standard's published v1.1.0 schema, which accepts v1.0.0 documents (test/fixtures/standards/odps).
 */
const ODPS_API_VERSION = 'v1.0.0';

/** Where the mesh is served, for the URLs catalog files point at. */
export interface ServedAt {
  /** The gateway's base URL, e.g. `https://meshgate.corp.example`. @default "http://localhost:4000" */
  gatewayUrl: string;
}

/** A consumer under an active access agreement, as the ODPS export lists it. */
export type OdpsConsumer = Pick<ProductConsumer, 'consumer' | 'purpose' | 'classifications' | 'endsAt'>;

/** The gateway's base URL without a trailing slash, so paths join cleanly. */
export function gatewayBase(served: ServedAt): string {
  return served.gatewayUrl.replace(/\/+$/, '');
}

/** The contract id and version `meshgate export odcs` writes for a product: ports point at exactly that contract. */
function contractOf(product: ValidProduct): { id: string; version: string } {
  const contract = toOdcs(product);
  return { id: String(contract.id), version: String(contract.version) };
}

/**
 * A product as a Bitol Open Data Product Standard (ODPS v1.0.0) document:
 * - input ports: the products it reads, each with the version and id of that product's ODCS
 *   contract, and the semver range it accepts as the custom property `versionRange`;
 * - one output port, the product's GraphQL API behind the gateway, with its own ODCS contract
 *   id and version (and the input contracts it depends on);
 * - management ports: its catalog page (discoverability) and the gateway's metrics (observability).
 * `inputs` are the other products of the mesh, where the input ports' contracts are looked up.
 * `consumers` are the product's active access agreements (the registry's); ODPS has no field
 * for who reads a product, so they go in the custom property `consumers`. Without them
 * (an export from the repository alone) the property is left out, not listed empty.
 */
export function toOdps(product: ValidProduct, inputs: readonly ValidProduct[], served: ServedAt, consumers?: readonly OdpsConsumer[]): Record<string, unknown> {
  const { descriptor } = product;
  const base = gatewayBase(served);
  const inputPorts = descriptor.inputPorts.map((port) => {
    const input = inputs.find((candidate) => candidate.name === port.product);
    // The boundary check refuses a descriptor whose input is not in the mesh; this names it if one slips through.
    if (!input) throw new ConfigError(MeshErrorCode.DESCRIPTOR_INVALID, `subgraphs/${product.folder}/product.yaml`, [`inputPorts: "${port.product}" is not a valid product of this mesh`]);
    // ODPS's port version is the version read, as for an output port: the range the product accepts is ours, a custom property.
    const contract = contractOf(input);
    return {
      name: port.product,
      version: contract.version,
      contractId: contract.id,
      customProperties: [{ property: 'versionRange', value: port.version, description: 'the semver range of this input the product accepts' }],
    };
  });
  const contract = contractOf(product);
  const contact = descriptor.owner.contact;
  const support = supportChannel(contact);
  return {
    apiVersion: ODPS_API_VERSION,
    kind: 'DataProduct',
    id: descriptor.id,
    name: descriptor.name,
    version: descriptor.version,
    status: descriptor.status,
    domain: descriptor.domain,
    description: { ...descriptor.description },
    ...(inputPorts.length > 0 ? { inputPorts } : {}),
    outputPorts: [
      {
        name: 'graphql',
        description: `The ${descriptor.name} product's published fields in the mesh's federated GraphQL API (POST ${base}/graphql)`,
        type: 'graphql',
        version: contract.version,
        contractId: contract.id,
        ...(inputPorts.length > 0 ? { inputContracts: inputPorts.map((port) => ({ id: port.contractId, version: port.version })) } : {}),
      },
    ],
    managementPorts: [
      {
        name: 'catalog',
        content: 'discoverability',
        type: 'rest',
        url: `${base}/catalog/${encodeURIComponent(descriptor.name)}`,
        description: 'The catalog page: owner, SLA and freshness, fields by classification, lineage and example queries',
      },
      { name: 'catalog-json', content: 'dictionary', type: 'rest', url: `${base}/catalog.json`, description: 'The whole catalog as JSON, for tools' },
      { name: 'metrics', content: 'observability', type: 'rest', url: `${base}/metrics`, description: 'Prometheus metrics of the gateway, with per-product fetch latency and errors' },
    ],
    ...(support ? { support: [{ ...support, ...(support.channel === 'email' ? { tool: 'email' } : {}) }] } : {}),
    team: bitolTeam(descriptor.owner),
    customProperties: [
      { property: 'sla', value: { ...descriptor.sla }, description: 'freshness: the most its data may lag; availability: the share of time it answers' },
      ...(descriptor.audience ? [{ property: 'audience', value: descriptor.audience }] : []),
      ...(consumers
        ? [
            {
              property: 'consumers',
              value: consumers.map((c) => ({ consumer: c.consumer, purpose: c.purpose, classifications: [...c.classifications], endsAt: c.endsAt })),
              description: 'who reads this product under an active access agreement, for what purpose, until when',
            },
          ]
        : []),
    ],
  };
}
