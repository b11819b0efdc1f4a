import { describe, expect, it } from 'vitest';
import { isValidProduct, loadMesh } from '../../schema/mesh.ts';
import { toOdcs } from '../../schema/odcs.ts';

describe('ODCS export', () => {
  const products = loadMesh().products.filter(isValidProduct);
  const source = products.find((p) => p.name === 'customers')!;
  const customers = toOdcs(source) as Record<string, any>;

  it('writes an ODCS v3 data contract with classifications and tags per property', () => {
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
    });
    // @inaccessible fields are not part of the contract.
    expect(customer.properties.map((p: { name: string }) => p.name)).not.toContain('leadScore');
    expect(customers.slaProperties).toEqual([
      { property: 'latency', value: 1, unit: 'd' },
      { property: 'availability', value: 99.5, unit: '%' },
    ]);
  });
});
