import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import { compileSubgraph } from '../../schema/contracts/contract-compiler.ts';
import { parseDescriptor } from '../../schema/product/descriptor.ts';
import { loadGovernance, type Governance } from '../../schema/contracts/governance.ts';
import { isValidProduct, loadMesh, REPO_ROOT } from '../../schema/contracts/mesh.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { publishedOutputFields } from '../../schema/product/subgraph-model.ts';

/** The committed supergraph: supergraph-up-to-date.test.ts proves it is what compose writes today. */
const supergraph = readFileSync(join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
const governance = loadGovernance();
const served = loadMesh()
  .products.filter(isValidProduct)
  .filter((p) => governance.composableStatuses.includes(p.descriptor.status));

describe('the composed supergraph carries the whole contract', () => {
  const { contract, access } = readSupergraphModel(supergraph);

  it('records every served product with its metadata', () => {
    expect(contract.linked).toBe(true);
    expect([...contract.products.keys()].sort()).toEqual(served.map((p) => p.name).sort());
    for (const { descriptor } of served) {
      expect(contract.products.get(descriptor.name)).toEqual({
        name: descriptor.name,
        version: descriptor.version,
        status: descriptor.status,
        domain: descriptor.domain,
        owner: { team: descriptor.owner.team, contact: descriptor.owner.contact },
        sla: { freshness: descriptor.sla.freshness, availability: descriptor.sla.availability },
        description: descriptor.description.purpose,
      });
    }
  });

  it('marks every classified field and requires its classification scopes', () => {
    let scoped = 0;
    for (const product of served) {
      for (const field of publishedOutputFields(product.model)) {
        const level = product.descriptor.fields[field.coordinate]?.classification;
        expect(level, field.coordinate).toBeDefined();
        expect(contract.classifications.get(field.coordinate), field.coordinate).toBe(level);
        const scopes = governance.classificationScopes[level!];
        if (scopes.length === 0) continue;
        scoped += 1;
        // Every alternative of @requiresScopes carries the classification's scopes.
        const alternatives = access.get(field.coordinate)?.requiresScopes ?? [];
        expect(alternatives.length, field.coordinate).toBeGreaterThan(0);
        for (const set of alternatives) expect(set, field.coordinate).toEqual(expect.arrayContaining(scopes));
      }
    }
    expect(scoped).toBeGreaterThan(0);
  });

  it('carries every named policy of governance, so a gateway decides @policy without the file', () => {
    const expected = Object.entries(governance.policies).map(([name, p]) => [name, { name, requiresScopes: p.requiresScopes ?? [], requiresAuthentication: p.requiresAuthentication ?? false }]);
    expect(expected.length).toBeGreaterThan(0);
    expect([...contract.policies]).toEqual(expected);
  });

  it('carries every declared exposure to the gateway', () => {
    const declared = served.flatMap((p) => [...p.model.types.values()].flatMap((t) => [...t.fields.values()].flatMap((f) => [f, ...f.args]))).filter((e) => e.exposes.length > 0);
    expect(declared.length).toBeGreaterThan(0);
    for (const element of declared) expect(contract.exposures.get(element.coordinate), element.coordinate).toEqual(element.exposes);
  });
});

describe('compiling governance into a subgraph', () => {
  const descriptor = parseDescriptor(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'contracts', 'derivation', 'subgraphs', 'orders', 'product.yaml'), 'utf8'), 'orders/product.yaml');
  const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", {name: "@requiresScopes", as: "@scopes"}])
type Order @key(fields: "id") { id: ID! orderDate: String! @scopes(scopes: [["audit:read"], ["ops:read"]]) gapDays: Int }
type Query { orders: [Order!]! }`;
  const strict: Governance = { ...governance, classificationScopes: { ...governance.classificationScopes, internal: ['staff'] }, authenticatedClassifications: ['internal'] };

  it("ANDs a product's own @requiresScopes with the classification, adds @authenticated where governance asks, and raises Federation to 2.5", () => {
    const compiled = compileSubgraph(sdl, descriptor, strict);
    if (!compiled.ok) throw new Error(compiled.errors.join('\n'));
    const text = print(compiled.document);
    expect(text).toContain('@link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", {name: "@requiresScopes", as: "@scopes"}, "@authenticated", "@composeDirective"])');
    expect(text).toContain('orderDate: String! @scopes(scopes: [["audit:read", "staff"], ["ops:read", "staff"]]) @authenticated @meshgate__classified(level: "internal")');
    expect(text).toContain('gapDays: Int @scopes(scopes: [["pii:read"]]) @meshgate__classified(level: "restricted")');
    expect(text).toContain('@meshgate__product(name: "orders", version: "1.0.0", status: "active"');
  });

  it('refuses a product that defines one of our directives differently', () => {
    const compiled = compileSubgraph(`${sdl}\ndirective @meshgate__exposes(field: String) on ARGUMENT_DEFINITION`, descriptor, governance);
    expect(compiled.ok).toBe(false);
    expect(!compiled.ok && compiled.errors[0]).toMatch(/^defines @meshgate__exposes differently from https:\/\/meshgate\.dev\/meshgate\/v0\.1/);
  });
});

describe('reading the contract from a supergraph', () => {
  it('fails closed on a classification level it cannot map to scopes', () => {
    const forged = supergraph.replace('@meshgate__classified(level: "confidential")', '@meshgate__classified(level: "secret")');
    expect(forged).not.toBe(supergraph);
    expect(() => readSupergraphModel(forged)).toThrow(expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringContaining('"secret"') }));
  });

  it('says when a supergraph was composed without our contract', () => {
    const { contract: foreign } = readSupergraphModel('schema { query: Query } type Query { hello: String } enum join__Graph { HELLO @join__graph(name: "hello", url: "http://hello") }');
    expect(foreign).toEqual({ linked: false, products: new Map(), classifications: new Map(), exposures: new Map(), policies: new Map() });
  });
});
