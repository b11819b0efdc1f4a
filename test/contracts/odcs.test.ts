import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseDescriptor } from '../../schema/product/descriptor.ts';
import { isValidProduct, loadMesh, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { toOdcs } from '../../schema/exports/odcs.ts';
import { odcsSchema, problemsOf } from './standard-schemas.ts';

const mesh = loadMesh();
const products = mesh.products.filter(isValidProduct);
const GATEWAY = 'https://data.example.com/graphql';

/** The export as a data contract tool reads it: the YAML `meshgate export odcs` writes, parsed. */
function exported(product: ValidProduct): Record<string, any> {
  return parseYaml(stringify(toOdcs(product, { gatewayUrl: GATEWAY }), { lineWidth: 0 }));
}

/** What the published ODCS v3.1.0 schema finds wrong with a contract. */
function problems(contract: unknown): string[] {
  return problemsOf(odcsSchema, contract, 'contract');
}

/**
 * Every rule a descriptor writes, by where the export must carry it, read from the YAML text
 * itself (not from our parse of it): the round trip holds for what the team wrote.
 */
function rulesWritten(descriptorText: string): Map<string, unknown> {
  const raw = parseYaml(descriptorText) as { fields?: Record<string, { quality?: unknown }>; types?: Record<string, { quality?: unknown; list?: unknown }> };
  const rules = new Map<string, unknown>();
  for (const [coordinate, policy] of Object.entries(raw.fields ?? {})) if (policy.quality) rules.set(`property ${coordinate}`, policy.quality);
  for (const [typeName, contract] of Object.entries(raw.types ?? {})) {
    if (contract.quality) rules.set(`object ${typeName}`, contract.quality);
    if (contract.list) rules.set(`listQuery ${typeName}`, contract.list);
  }
  return rules;
}

function rulesExported(contract: Record<string, any>, wanted: Iterable<string>): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const key of wanted) {
    const [kind, coordinate] = key.split(' ') as [string, string];
    const [typeName, fieldName] = coordinate.split('.') as [string, string | undefined];
    const object = contract.schema.find((candidate: { name: string }) => candidate.name === typeName);
    if (kind === 'property') found.set(key, object?.properties.find((property: { name: string }) => property.name === fieldName)?.quality);
    if (kind === 'object') found.set(key, object?.quality);
    if (kind === 'listQuery') found.set(key, object?.customProperties?.find((property: { property: string }) => property.property === 'listQuery')?.value);
  }
  return found;
}

/** A descriptor with every kind of rule meshgate runs or carries, on the sales interface. */
const EVERY_RULE_KIND = `
id: urn:meshgate:product:sales
name: sales
domain: sales
owner: { team: sales-analytics, contact: sales-analytics@example.com }
version: 2.0.0
status: active
description: { purpose: Orders., limitations: None., usage: Tests. }
sla: { freshness: 90m, availability: 99.5%, frequency: 1d }
fields:
  Order.id:
    classification: public
    quality:
      - { metric: nullValues, mustBe: 0, dimension: completeness, severity: error, businessImpact: operational }
      - { type: library, metric: duplicateValues, mustBeLessThan: 1, unit: percent }
  Order.status:
    classification: internal
    quality:
      - { metric: invalidValues, arguments: { validValues: [PLACED, SHIPPED] }, mustBeLessOrEqualTo: 10, unit: rows, name: statuses }
      - { metric: missingValues, arguments: { missingValues: [null, '', N/A] }, mustNotBe: 5 }
  Order.total:
    classification: confidential
    quality:
      - { metric: invalidValues, arguments: { minimum: 0, maximum: 1000000, pattern: '^\\d+(\\.\\d+)?$' }, mustNotBeBetween: [1, 3] }
      - { type: text, description: Totals are the sum of their lines. }
types:
  Order:
    list: { query: orders, arguments: { filter: { status: DELIVERED } }, sample: 300 }
    quality:
      - { metric: rowCount, mustBeBetween: [1, 1000000] }
      - { metric: rowCount, mustBeGreaterThan: 0 }
      - type: custom
        engine: graphql
        description: Three currencies.
        implementation: { query: '{ revenueByCurrency(from: "2025-01-01", to: "2025-12-31") { currency } }', measure: revenueByCurrency, mustBeGreaterOrEqualTo: 3 }
`;

describe('ODCS export', () => {
  const source = products.find((p) => p.name === 'customers')!;
  const customers = toOdcs(source) as Record<string, any>;

  it('writes an ODCS v3.1 data contract with classifications, tags and quality rules per property', () => {
    expect(customers).toMatchObject({ apiVersion: 'v3.1.0', kind: 'DataContract', id: 'urn:meshgate:product:customers', version: source.descriptor.version, status: 'active', domain: 'crm' });
    const customer = customers.schema.find((o: { name: string }) => o.name === 'Customer');
    expect(customer.properties.find((p: { name: string }) => p.name === 'name')).toEqual({
      name: 'name',
      logicalType: 'string',
      physicalType: 'String!',
      required: true,
      description: 'Full name of the customer. Personal data: needs the pii:read scope.',
      classification: 'restricted',
      tags: ['pii'],
      quality: source.descriptor.fields['Customer.name']!.quality,
    });
    // @inaccessible fields are not part of the contract.
    expect(customer.properties.map((p: { name: string }) => p.name)).not.toContain('leadScore');
    expect(customers.slaProperties).toEqual([
      { property: 'latency', value: 1, unit: 'd' },
      { property: 'availability', value: 99.5, unit: '%' },
    ]);
  });

  it('names the gateway as its api server: the local one by default, the one given otherwise', () => {
    expect(customers.servers).toEqual([expect.objectContaining({ server: 'meshgate', type: 'api', location: 'http://localhost:4000/graphql' })]);
    expect(exported(source).servers).toEqual([expect.objectContaining({ type: 'api', location: GATEWAY })]);
  });

  it('every product of the mesh exports a contract valid against the published ODCS v3.1.0 schema', () => {
    expect(products.length).toBe(mesh.products.length);
    for (const product of products) expect(problems(exported(product)), product.name).toEqual([]);
  });

  it('the quality rules and list queries in every descriptor come back out unchanged', () => {
    for (const product of products) {
      const written = rulesWritten(readFileSync(join(mesh.paths.subgraphs, product.folder, 'product.yaml'), 'utf8'));
      expect(rulesExported(exported(product), written.keys()), product.name).toEqual(written);
    }
  });

  it('a descriptor with every kind of rule exports valid ODCS v3.1 and round-trips each rule unchanged', () => {
    const sales = products.find((p) => p.name === 'sales')!;
    const product = { ...sales, descriptor: parseDescriptor(EVERY_RULE_KIND, 'every-rule-kind.yaml') };
    const contract = exported(product);
    expect(problems(contract)).toEqual([]);
    const written = rulesWritten(EVERY_RULE_KIND);
    expect(written.size).toBe(5);
    expect(rulesExported(contract, written.keys())).toEqual(written);
    expect(contract.slaProperties).toEqual([
      { property: 'latency', value: 90, unit: 'm' },
      { property: 'availability', value: 99.5, unit: '%' },
      { property: 'frequency', value: 1, unit: 'd' },
    ]);
  });

  it('the published ODCS v3.1.0 schema refuses a broken contract', () => {
    const valid = exported(products[0]!);
    const broken: [string, Record<string, any>][] = [
      ['no id', { ...valid, id: undefined }],
      ['a top-level key ODCS does not know', { ...valid, owner: 'someone' }],
      ['an api server without a location', { ...valid, servers: [{ server: 'meshgate', type: 'api' }] }],
      ['a library rule with two operators', { ...valid, schema: [{ name: 'T', quality: [{ metric: 'rowCount', mustBe: 1, mustBeLessThan: 2 }] }] }],
      ['a custom rule with an operator outside its implementation', { ...valid, schema: [{ name: 'T', quality: [{ type: 'custom', engine: 'graphql', implementation: {}, mustBe: 1 }] }] }],
      ['an unknown metric', { ...valid, schema: [{ name: 'T', quality: [{ metric: 'freshness', mustBe: 1 }] }] }],
      ['an SLA property without a value', { ...valid, slaProperties: [{ property: 'latency', unit: 'd' }] }],
    ];
    for (const [name, contract] of broken) expect(problems(JSON.parse(JSON.stringify(contract))), name).not.toEqual([]);
  });
});
