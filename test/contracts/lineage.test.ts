import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { computeLineage, serializeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, REPO_ROOT } from '../../schema/contracts/mesh.ts';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import { copyFixture, TODAY } from './fixture-mesh.ts';

describe('lineage', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it('traces derived fields to the source fields they read through @requires and keys', () => {
    const lineage = computeLineage(loadMesh().products.filter(isValidProduct));
    const into = (to: string) => lineage.edges.filter((e) => e.to === to).map((e) => `${e.via} ${e.from}`);
    expect(into('customer-insights:Customer.lifetimeValueUsd')).toEqual([
      'key customers:Customer.id',
      'requires sales:Customer.orderSummary.lastOrderDate',
      'requires sales:Customer.orderSummary.orderCount',
      'requires sales:Customer.orderSummary.totalSpentUsd',
    ]);
    expect(into('customer-insights:Customer.tenureMonths')).toEqual(['key customers:Customer.id', 'requires customers:Customer.signupDate']);
    expect(into('sales:Customer.orderSummary')).toEqual(['key customers:Customer.id']);
    // A derived product's inputs are the input ports its descriptor declares, ranges as written there.
    const insights = loadMesh()
      .products.filter(isValidProduct)
      .find((p) => p.name === 'customer-insights')!;
    const ports = insights.descriptor.inputPorts.map((port) => ({ product: port.product, version: port.version }));
    expect(ports.map((port) => port.product)).toEqual(['customers', 'sales']);
    expect(ports.every((port) => /^\^\d+\.\d+\.\d+$/.test(port.version))).toBe(true);
    expect(lineage.products.find((p) => p.name === 'customer-insights')?.inputs).toEqual(ports);
  });

  it('keeps the committed schema/lineage.json in step with the SDL', () => {
    const lineage = computeLineage(loadMesh().products.filter(isValidProduct));
    expect(readFileSync(join(REPO_ROOT, 'schema/lineage.json'), 'utf8')).toBe(serializeLineage(lineage));
  });

  it('fails check when lineage.json is out of date', async () => {
    const copy = copyFixture('lifecycle');
    remove = copy.remove;
    writeFileSync(join(copy.root, 'schema/lineage.json'), '{ "products": [], "edges": [] }\n');
    const report = await runCheck({ root: copy.root, today: TODAY });
    expect(report.findings.map((f) => [f.product, f.element, f.rule, f.message])).toEqual([
      ['mesh', 'schema/lineage.json', 'lineage/out-of-date', "schema/lineage.json does not match the products' SDL"],
    ]);
  });

  it("reads the served supergraph's lineage: each field's type as written, and the @requires edges the pipeline draws", () => {
    const sdl = readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8');
    const { fields, requiresEdges } = readSupergraphModel(sdl).lineage;
    const written = new Map<string, string>();
    for (const definition of parse(sdl).definitions)
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
        for (const field of definition.fields ?? []) written.set(`${definition.name.value}.${field.name.value}`, print(field.type));
    expect([...written.values()].some((type) => type.startsWith('[') && type.endsWith('!'))).toBe(true);
    expect(fields.size).toBeGreaterThan(0);
    for (const field of fields.values()) expect([field.coordinate, field.type]).toEqual([field.coordinate, written.get(field.coordinate)]);
    const pipeline = computeLineage(loadMesh().products.filter(isValidProduct)).edges.filter((e) => e.via === 'requires');
    expect(requiresEdges.map((e) => `${e.from} ${e.to}`).sort()).toEqual(pipeline.map((e) => `${e.from} ${e.to}`).sort());
  });
});
