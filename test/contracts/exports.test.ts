import { randomUUID } from 'node:crypto';
import { valid as validSemver } from 'semver';
import { describe, expect, it } from 'vitest';
import { datasetUrn, toDataHub } from '../../schema/exports/datahub.ts';
import { toOdps } from '../../schema/exports/odps.ts';
import { toOpenLineageDatasetEvents } from '../../schema/exports/openlineage.ts';
import { toOpenMetadata } from '../../schema/exports/openmetadata.ts';
import { computeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { toOdcs } from '../../schema/exports/odcs.ts';
import { isPublishedField } from '../../schema/product/subgraph-model.ts';
import { dataHub, problemsOf } from '../support/standards/catalog-specs.ts';
import { odpsSchema, openLineageProblems, openMetadataRequestProblems, problemsOf as schemaProblems } from './standard-schemas.ts';

/**
 * Every export, for every product the mesh serves (the list comes from the mesh, not from
 * this file), checked against the required fields and types of its standard
 * (test/support/standards/) and against what the mesh itself says: contract ids, ports,
 * lineage edges, and no internals.
 */
const products = loadMesh()
  .products.filter(isValidProduct)
  .filter((product) => product.descriptor.status !== 'retired');
const { edges } = computeLineage(products);
const served = { gatewayUrl: 'https://meshgate.corp.example/' };

/** Names of fields a product keeps internal (@inaccessible) and publishes nowhere under that name. */
function internalNames(product: ValidProduct): string[] {
  const published = new Set<string>();
  const hidden = new Set<string>();
  for (const type of product.model.types.values()) {
    for (const field of type.fields.values()) (isPublishedField(type, field) ? published : field.inaccessible || type.inaccessible ? hidden : new Set<string>()).add(field.name);
  }
  return [...hidden].filter((name) => !published.has(name));
}

describe('catalog exports', () => {
  it('has products to export, some of them derived', () => {
    expect(products.length).toBeGreaterThan(1);
    expect(edges.some((edge) => edge.via === 'requires')).toBe(true);
  });

  it('ODPS: each product is valid against the published ODPS schema; its output port carries its ODCS contract id and version, its input ports the version and id of the contracts they read', () => {
    for (const product of products) {
      const doc = toOdps(product, products, served) as any;
      expect(schemaProblems(odpsSchema, doc, product.name)).toEqual([]);
      const contract = toOdcs(product);
      expect(doc.outputPorts).toEqual([expect.objectContaining({ type: 'graphql', contractId: contract.id, version: contract.version })]);
      const inputContracts = product.descriptor.inputPorts.map((port) => ({ port, contract: toOdcs(products.find((p) => p.name === port.product)!) }));
      expect(doc.inputPorts ?? []).toEqual(
        inputContracts.map(({ port, contract }) => ({
          name: port.product,
          version: contract.version,
          contractId: contract.id,
          customProperties: [expect.objectContaining({ property: 'versionRange', value: port.version })],
        })),
      );
      // A port names the version it reads, never a range: the range is the product's own custom property.
      for (const port of doc.inputPorts ?? []) expect(validSemver(port.version), `${product.name} <- ${port.name}`).toBe(port.version);
      if (inputContracts.length > 0) expect(doc.outputPorts[0].inputContracts).toEqual(inputContracts.map(({ contract }) => ({ id: contract.id, version: contract.version })));
      const ports = new Map<string, any>(doc.managementPorts.map((port: any) => [port.name, port]));
      expect(ports.get('catalog')).toMatchObject({ content: 'discoverability', url: `https://meshgate.corp.example/catalog/${product.name}` });
      expect(ports.get('metrics')).toMatchObject({ content: 'observability', url: 'https://meshgate.corp.example/metrics' });
    }
  });

  it("ODPS: a product's consumers under active agreements are listed as the custom property `consumers`, still valid ODPS; without agreements there is no such property", () => {
    for (const product of products) {
      const consumers = [
        { consumer: `${product.name}-dashboard`, purpose: 'weekly revenue review', classifications: ['confidential' as const], endsAt: '2099-01-01T00:00:00.000Z' },
        { consumer: 'audit-app', purpose: 'yearly audit', classifications: ['internal' as const, 'restricted' as const], endsAt: '2098-06-30T00:00:00.000Z' },
      ];
      const doc = toOdps(product, products, served, consumers) as any;
      expect(schemaProblems(odpsSchema, doc, product.name)).toEqual([]);
      expect(doc.customProperties.find((p: any) => p.property === 'consumers')?.value).toEqual(consumers);
      const without = toOdps(product, products, served) as any;
      expect(without.customProperties.some((p: any) => p.property === 'consumers')).toBe(false);
    }
  });

  it.each([
    ['an email', 'sales-analytics@example.com', { channel: 'email', url: 'mailto:sales-analytics@example.com' }],
    ['a web page', 'https://wiki.example.com/sales', { channel: 'web', url: 'https://wiki.example.com/sales' }],
    ['a chat channel (no URL)', '#sales-analytics', undefined],
  ])('ODPS: an owner contact that is %s stays valid ODPS, a support channel only where it is a URL', (_, contact, support) => {
    const product = products[0]!;
    const owned = { ...product, descriptor: { ...product.descriptor, owner: { ...product.descriptor.owner, contact } } };
    const doc = toOdps(owned, products, served) as any;
    expect(schemaProblems(odpsSchema, doc, product.name)).toEqual([]);
    expect(doc.support?.[0]).toEqual(support === undefined ? undefined : expect.objectContaining(support));
    expect(doc.team).toEqual({ name: product.descriptor.owner.team, members: [{ username: contact, role: 'owner' }] });
  });

  it('OpenMetadata: a valid API service, a collection per product, an endpoint with a contract per published root field, no internals and no preview field under contract', () => {
    const doc = toOpenMetadata(products, { ...served, service: 'meshgate' });
    expect(doc.apiCollections.map((c) => c.name)).toEqual(products.map((p) => p.name));
    // Each part is the body of an OpenMetadata create request (POST /api/v1/services/apiServices,
    // /apiCollections, /apiEndpoints, /dataContracts), held to the request's published schema.
    // A contract goes with the `entity` its loader adds: the id OpenMetadata gave its endpoint.
    const problems = [
      ...openMetadataRequestProblems('apiService', doc.apiService, 'apiService'),
      ...doc.apiCollections.flatMap((c, i) => openMetadataRequestProblems('apiCollection', c, `apiCollections.${i}`)),
      ...doc.apiEndpoints.flatMap((e, i) => openMetadataRequestProblems('apiEndpoint', e, `apiEndpoints.${i}`)),
      ...doc.dataContracts.flatMap((c, i) => openMetadataRequestProblems('dataContract', { ...c.contract, entity: { id: randomUUID(), type: 'apiEndpoint' } }, `dataContracts.${i}`)),
    ];
    expect(problems).toEqual([]);
    for (const product of products) {
      const query = product.model.types.get('Query');
      const roots = query ? [...query.fields.values()].filter((field) => isPublishedField(query, field)).map((field) => field.name) : [];
      const endpoints = doc.apiEndpoints.filter((e) => e.apiCollection === `meshgate.${product.name}`);
      expect(endpoints.map((e) => e.name)).toEqual(expect.arrayContaining(roots));
      for (const endpoint of endpoints) expect(doc.dataContracts.map((c) => c.apiEndpoint)).toContain(`meshgate.${product.name}.${endpoint.name}`);
      const text = JSON.stringify(endpoints);
      for (const name of internalNames(product)) expect(text, `${product.name} leaks ${name}`).not.toContain(`"name":"${name}"`);
    }
    // OpenMetadata 1.11 and later refuse a contract's `status` (the published request above has none): its status is `entityStatus`.
    for (const { apiEndpoint, contract } of doc.dataContracts) expect(contract, apiEndpoint).toHaveProperty('entityStatus');
    for (const product of products.filter((p) => p.descriptor.status === 'active')) {
      for (const { apiEndpoint, contract } of doc.dataContracts.filter((c) => c.apiEndpoint.startsWith(`meshgate.${product.name}.`))) expect(contract.entityStatus, apiEndpoint).toBe('Active');
    }
    const previews = products.flatMap((p) => [...p.model.types.values()].flatMap((t) => [...t.fields.values()].filter((f) => f.preview && isPublishedField(t, f)).map((f) => f.name)));
    const contracted = JSON.stringify(doc.dataContracts);
    for (const name of previews) expect(contracted).not.toContain(`"name":"${name}"`);
  });

  it('DataHub: a valid contract per product and valid proposals whose fine-grained lineage is the mesh’s lineage', () => {
    const options = { service: 'meshgate', env: 'PROD' };
    const { contracts, proposals } = toDataHub(products, edges, options);
    expect([...contracts.keys()]).toEqual(products.map((p) => p.name));
    for (const [name, contract] of contracts) {
      expect(problemsOf(dataHub.contract, contract, name)).toEqual([]);
      expect(contract.entity).toBe(datasetUrn(name, options));
    }
    const problems = proposals.flatMap((p: any, i) => [
      ...problemsOf(dataHub.proposal, p, `proposals.${i}`),
      ...problemsOf(dataHub.aspects[p.aspectName]!, p.aspect.json, `proposals.${i}.${p.aspectName}`),
    ]);
    expect(problems).toEqual([]);
    const fine = proposals.filter((p: any) => p.aspectName === 'upstreamLineage').flatMap((p: any) => p.aspect.json.fineGrainedLineages);
    const drawn = new Set(fine.flatMap((f: any) => f.upstreams.map((up: string) => `${up} -> ${f.downstreams[0]}`)));
    const urnOf = (id: string) => `urn:li:schemaField:(${datasetUrn(id.slice(0, id.indexOf(':')), options)},${id.slice(id.indexOf(':') + 1)})`;
    for (const edge of edges) expect(drawn, `${edge.from} -> ${edge.to}`).toContain(`${urnOf(edge.from)} -> ${urnOf(edge.to)}`);
    for (const product of products) {
      const schema = proposals.find((p: any) => p.aspectName === 'schemaMetadata' && p.entityUrn === datasetUrn(product.name, options)) as any;
      const raw = JSON.stringify(schema);
      for (const name of internalNames(product)) expect(raw, `${product.name} leaks ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('OpenLineage: a valid dataset event per product, with the column lineage of every field computed from another product', () => {
    const events = toOpenLineageDatasetEvents(products, edges, { namespace: 'meshgate', eventTime: new Date().toISOString() });
    expect(events.map((e) => e.dataset.name)).toEqual(products.map((p) => p.name));
    for (const event of events) expect(openLineageProblems(event, 'dataset'), event.dataset.name).toEqual([]);
    for (const edge of edges) {
      const [product, field] = [edge.to.slice(0, edge.to.indexOf(':')), edge.to.slice(edge.to.indexOf(':') + 1)];
      const columns = events.find((e) => e.dataset.name === product)!.dataset.facets!.columnLineage!.fields as Record<string, { inputFields: { name: string; field: string }[] }>;
      expect(columns[field]!.inputFields.map((f) => `${f.name}:${f.field}`)).toContain(edge.from);
    }
    for (const product of products) {
      const event = events.find((e) => e.dataset.name === product.name)!;
      expect(event.dataset.facets!.version).toMatchObject({ datasetVersion: product.descriptor.version });
      const fields = (event.dataset.facets!.schema!.fields as { name: string }[]).map((f) => f.name);
      for (const name of internalNames(product))
        expect(
          fields.some((f) => f.endsWith(`.${name}`)),
          `${product.name} leaks ${name}`,
        ).toBe(false);
    }
  });

  it('the published schemas refuse what the standards refuse: a broken ODPS document, a broken or custom OpenLineage facet, a broken OpenMetadata request', () => {
    // A derived product: input ports in ODPS, column lineage in OpenLineage.
    const product = products.find((p) => edges.some((edge) => edge.to.startsWith(`${p.name}:`)))!;
    const doc = toOdps(product, products, served) as any;
    const odpsBroken: [string, unknown][] = [
      ['team as a list of members (the pre-v1.0 shape)', { ...doc, team: doc.team.members }],
      ['a top-level key ODPS does not know', { ...doc, owner: 'someone' }],
      ['an input port without a name', { ...doc, inputPorts: [{ version: '1.0.0', contractId: 'x' }] }],
      ['a management port URL that is no URI', { ...doc, managementPorts: [{ name: 'catalog', content: 'discoverability', url: 'not a uri' }] }],
    ];
    for (const [name, broken] of odpsBroken) expect(schemaProblems(odpsSchema, broken, 'odps'), name).not.toEqual([]);

    const [event] = toOpenLineageDatasetEvents([product], edges, { namespace: 'meshgate', eventTime: new Date().toISOString() });
    const facets = event!.dataset.facets!;
    const withFacets = (extra: Record<string, unknown>) => ({ ...event, dataset: { ...event!.dataset, facets: { ...facets, ...extra } } });
    const lineageBroken: [string, unknown][] = [
      ['an event without its time', { ...event, eventTime: undefined }],
      [
        'a custom facet pointing at a schema nobody publishes',
        withFacets({
          meshgate_dataAsOf: {
            _producer: 'https://example.com/p',
            _schemaURL: 'https://meshgate.dev/spec/facets/1-0-0/MeshgateFacets.json#/$defs/DataAsOfDatasetFacet',
            dataAsOf: '2025-01-01T00:00:00Z',
          },
        }),
      ],
      ['a standard facet under another key than its own', withFacets({ fields: facets.schema })],
      ['a schema field without its name', withFacets({ schema: { ...facets.schema, fields: [{ type: 'String' }] } })],
      [
        'a column lineage input without its dataset',
        withFacets({ columnLineage: { ...facets.schema, _schemaURL: facets.columnLineage!._schemaURL, fields: { 'T.f': { inputFields: [{ field: 'x' }] } } } }),
      ],
    ];
    for (const [name, broken] of lineageBroken) expect(openLineageProblems(JSON.parse(JSON.stringify(broken)), 'dataset'), name).not.toEqual([]);

    const openMetadata = toOpenMetadata([product], { ...served, service: 'meshgate' });
    const contract = { ...openMetadata.dataContracts[0]!.contract, entity: { id: randomUUID(), type: 'apiEndpoint' } };
    const openMetadataBroken: [string, Parameters<typeof openMetadataRequestProblems>[0], Record<string, unknown>][] = [
      ["a contract's pre-1.11 `status`", 'dataContract', { ...contract, status: 'Active' }],
      ['a contract status OpenMetadata does not have', 'dataContract', { ...contract, entityStatus: 'Retired' }],
      ['a contract without the entity it applies to', 'dataContract', { ...contract, entity: undefined }],
      ['a contract for an entity named without its id', 'dataContract', { ...contract, entity: { type: 'apiEndpoint', fullyQualifiedName: 'meshgate.x.y' } }],
      ['a name with the separator OpenMetadata reserves', 'apiEndpoint', { ...openMetadata.apiEndpoints[0]!, name: 'a::b' }],
      ['an endpoint URL that is no URI', 'apiEndpoint', { ...openMetadata.apiEndpoints[0]!, endpointURL: 'not a uri' }],
      ['a collection without its service', 'apiCollection', { ...openMetadata.apiCollections[0]!, service: undefined }],
      ['a service key the request does not know', 'apiService', { ...openMetadata.apiService, endpointURL: 'https://example.com' }],
      ['a service type OpenMetadata does not have', 'apiService', { ...openMetadata.apiService, serviceType: 'GraphQL' }],
      ['a request method OpenMetadata does not have', 'apiEndpoint', { ...openMetadata.apiEndpoints[0]!, requestMethod: 'QUERY' }],
      [
        'an API schema field with a key its published type does not define',
        'apiEndpoint',
        { ...openMetadata.apiEndpoints[0]!, responseSchema: { schemaType: 'JSON', schemaFields: [{ name: 'x', dataType: 'STRING', dataTypeDisplay: 'String!' }] } },
      ],
      ['an API schema field type OpenMetadata does not have', 'apiEndpoint', { ...openMetadata.apiEndpoints[0]!, requestSchema: { schemaFields: [{ name: 'x', dataType: 'ID' }] } }],
      ['a contract column of a type OpenMetadata does not have', 'dataContract', { ...contract, schema: [{ name: 'x', dataType: 'GRAPHQL' }] }],
      ['a contract column without its data type', 'dataContract', { ...contract, schema: [{ name: 'x' }] }],
    ];
    for (const [name, request, broken] of openMetadataBroken) expect(openMetadataRequestProblems(request, JSON.parse(JSON.stringify(broken)), request), name).not.toEqual([]);
  });
});
