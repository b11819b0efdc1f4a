import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import { computeLineage } from '../../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh } from '../../../schema/contracts/mesh.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';
import { startCollector } from '../../support/openlineage-collector.ts';
import { openLineageProblems, tagsOf } from '../../contracts/standard-schemas.ts';

async function counted(gateway: RunningGateway, reason?: string): Promise<number> {
  const counter = reason ? gateway.metrics.lineageEventsDropped : gateway.metrics.lineageEventsSent;
  const { values } = await counter.get();
  return values.filter((v) => !reason || v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

const CLIENT = { 'apollographql-client-name': 'churn-notebook', 'apollographql-client-version': '1.4.2' };

let collector: Awaited<ReturnType<typeof startCollector>>;
let mesh: MeshHarness;
beforeAll(async () => {
  collector = await startCollector();
  // A small label budget, so that the test of invented client names reaches it.
  mesh = await startWorkerMesh({ lineage: { url: collector.url, flushIntervalMs: 10, batchSize: 10 }, observability: { maxLabelValues: 3 } });
});
afterAll(async () => {
  await mesh?.close();
  await collector?.close();
});

function eventOf(jobName: string) {
  return vi.waitFor(
    () => {
      const event = collector.events.find((e) => e.job.name === jobName);
      if (!event) throw new Error(`no event for job ${jobName} yet`);
      return event;
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe('OpenLineage run events', () => {
  it('sends one valid COMPLETE event per operation: the consumer as the job, products and fields read as inputs, the column lineage of a derived field', async () => {
    const answer = await mesh.query('query ChurnWatch { customer(id: "C00042") { name lifetimeValueUsd } }', undefined, CLIENT);
    expect(answer.body.errors).toBeUndefined();
    const event = await eventOf('churn-notebook/ChurnWatch');

    expect(openLineageProblems(event, 'run')).toEqual([]);
    expect(event.eventType).toBe('COMPLETE');
    expect(Object.fromEntries(tagsOf(event.job).tags)).toMatchObject({ clientName: 'churn-notebook', clientVersion: '1.4.2', operationName: 'ChurnWatch' });
    // Named by headers alone: nothing says it is a verified application.
    expect(tagsOf(event.job).tags.has('verifiedApplication')).toBe(false);

    // The gateway's own account of who answered: each is an input, at the version and watermark it answered with.
    const signals = answer.body.extensions!.dataProducts as { name: string; version: string; dataAsOf: string | null }[];
    const inputs = new Map<string, any>(event.inputs.map((input: any) => [input.name, input]));
    for (const signal of signals) {
      const input = inputs.get(signal.name);
      expect(input, signal.name).toBeDefined();
      expect(input.facets.version.datasetVersion).toBe(signal.version);
      if (signal.dataAsOf) expect(tagsOf(input).tags.get('dataAsOf')).toBe(signal.dataAsOf);
    }
    // Each product's purpose travels in the supergraph, as its documentation.
    for (const product of loadMesh().products.filter(isValidProduct)) {
      if (inputs.has(product.name)) expect(inputs.get(product.name).facets.documentation.description).toBe(product.descriptor.description.purpose);
    }
    // Fields read, on the product that serves them; the derived field's @requires inputs were read too.
    const lineage = computeLineage(loadMesh().products.filter(isValidProduct));
    const derivedFrom = lineage.edges.filter((edge) => edge.to === 'customer-insights:Customer.lifetimeValueUsd' && edge.via === 'requires');
    expect(derivedFrom.length).toBeGreaterThan(0);
    expect(tagsOf(inputs.get('customers')).read).toContain('Customer.name');
    expect(tagsOf(inputs.get('customer-insights')).read).toContain('Customer.lifetimeValueUsd');
    for (const edge of derivedFrom) {
      const [product, field] = edge.from.split(':') as [string, string];
      expect(tagsOf(inputs.get(product)).read, edge.from).toContain(field);
    }
    // The column lineage the gateway reads from the supergraph matches the mesh's own lineage.
    const column = inputs.get('customer-insights').facets.columnLineage.fields['Customer.lifetimeValueUsd'];
    expect(column.inputFields.map((f: any) => `${f.name}:${f.field}`).sort()).toEqual(derivedFrom.map((edge) => edge.from).sort());
    expect(column.inputFields.every((f: any) => f.namespace === event.job.namespace && f.transformations[0].type === 'DIRECT')).toBe(true);
    // The schema facet publishes the product's interface, never its internals.
    const customerFields = inputs.get('customers').facets.schema.fields.map((f: any) => f.name);
    expect(customerFields).toContain('Customer.name');
    expect(customerFields).not.toContain('Customer.leadScore');
  });

  it("names the consumer by the token's verified application where it names one, not by the client header", async () => {
    // No client header: the job can have the client's name only from the token's claim. Names
    // and the operation already counted, so the label budget below is untouched.
    const job = `${CLIENT['apollographql-client-name']}/ChurnWatch`;
    const before = collector.events.filter((e) => e.job.name === job).length;
    const token = await mesh.token({ scope: 'pii:read finance:read', azp: CLIENT['apollographql-client-name'] });
    const answer = await mesh.query('query ChurnWatch { customer(id: "C00042") { name } }', undefined, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    await vi.waitFor(() => expect(collector.events.filter((e) => e.job.name === job)).toHaveLength(before + 1), { timeout: 10_000, interval: 10 });
    // The same job name as the header-named run above, but this one says it is verified.
    const verified = collector.events.filter((e) => e.job.name === job).at(-1);
    expect(openLineageProblems(verified, 'run')).toEqual([]);
    expect(tagsOf(verified.job).tags.get('verifiedApplication')).toBe(CLIENT['apollographql-client-name']);
  });

  it('sends FAIL with the error for an operation whose every field was refused, and lists nothing it did not read', async () => {
    const answer = await mesh.query('query Refused { insights(customerIds: ["C00001"]) { id lifetimeValueUsd } }', undefined, { ...CLIENT, authorization: '' });
    expect(answer.body.data).toBeNull();
    const event = await eventOf('churn-notebook/Refused');
    expect(openLineageProblems(event, 'run')).toEqual([]);
    expect(event.eventType).toBe('FAIL');
    expect(event.run.facets.errorMessage.message).toContain('FORBIDDEN_FIELD');
    // Inputs are the products that answered, as the client was told: none read the refused field.
    expect(event.inputs.map((input: any) => input.name).sort()).toEqual(answer.body.extensions!.dataProducts.map((p: { name: string }) => p.name).sort());
    const read = event.inputs.flatMap((input: any) => tagsOf(input).read);
    expect(read).not.toContain('Customer.lifetimeValueUsd');
  });

  it('bounds the jobs callers can mint: invented client names past the label budget are one job, "other"', async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await mesh.query('query Invented { products(first: 1) { edges { node { sku } } } }', undefined, { 'apollographql-client-name': `invented-${i}-${'x'.repeat(5000)}` });
      expect(answer.body.errors).toBeUndefined();
    }
    await eventOf('other/Invented');
    const clients = new Set(collector.events.map((event) => tagsOf(event.job).tags.get('clientName')!));
    clients.delete('other');
    expect(clients.size).toBeLessThanOrEqual(3);
    for (const client of clients) expect(client.length).toBeLessThanOrEqual(64);
    // A verified application first seen past the budget is folded too, and its tag left out: no application is called "other".
    // Every invented run is in first, so that the next event under the folded job is this one.
    await vi.waitFor(() => expect(collector.events.filter((e) => e.job.name.endsWith('/Invented'))).toHaveLength(5), { timeout: 10_000, interval: 10 });
    const folded = () => collector.events.filter((e) => e.job.name === 'other/Invented');
    const before = folded().length;
    const token = await mesh.token({ scope: 'pii:read finance:read', azp: 'late-application' });
    expect((await mesh.query('query Invented { products(first: 1) { edges { node { sku } } } }', undefined, { authorization: `Bearer ${token}` })).body.errors).toBeUndefined();
    await vi.waitFor(() => expect(folded()).toHaveLength(before + 1), { timeout: 10_000, interval: 10 });
    expect(tagsOf(folded().at(-1).job).tags.has('verifiedApplication')).toBe(false);
  });

  it('drops and counts events once the queue is full while the collector hangs, and answers every request meanwhile', async () => {
    const hanging = await startCollector({ hang: true });
    const gateway = await startGatewayOn(mesh, { lineage: { url: hanging.url, batchSize: 1, queueLimit: 2, flushIntervalMs: 5, timeoutMs: 60_000 } });
    try {
      const ask = () => postGraphQL(gateway.url, { query: '{ products(first: 1) { edges { node { sku } } } }' });
      const first = await ask();
      expect(first.body.data.products.edges).toHaveLength(1);
      // The collector now holds the first event and will never answer it.
      await vi.waitFor(() => expect(hanging.received()).toBe(1), { timeout: 10_000, interval: 5 });
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await ask());
      for (const answer of answers) expect(answer.body.data.products.edges).toHaveLength(1);
      // One in flight, two queued: of the five later events, three were dropped on arrival.
      expect(await counted(gateway, 'queue_full')).toBe(3);
      expect(await counted(gateway)).toBe(0);
      expect(hanging.received()).toBe(1);
    } finally {
      await gateway.close();
      await hanging.close();
    }
  });

  it('counts events the collector cannot take when it is down, delivery being tried once more on close', async () => {
    const down = await startCollector();
    await down.close(); // its port is now closed
    // No flush before close: closing sends what is queued, so a shutdown loses no event it could deliver.
    const gateway = await startGatewayOn(mesh, { lineage: { url: down.url, flushIntervalMs: 600_000 } });
    try {
      const answer = await postGraphQL(gateway.url, { query: '{ products(first: 1) { edges { node { sku } } } }' });
      expect(answer.body.data.products.edges).toHaveLength(1);
    } finally {
      await gateway.close();
    }
    expect(await counted(gateway, 'send_failed')).toBe(1);
  });

  it('sends nothing for operations outside the sample', async () => {
    const gateway = await startGatewayOn(mesh, { lineage: { url: collector.url, sampleRate: 0, flushIntervalMs: 600_000 } });
    try {
      for (let i = 0; i < 2; i++) await postGraphQL(gateway.url, { query: 'query Unsampled { products(first: 1) { edges { node { sku } } } }' });
    } finally {
      await gateway.close(); // sends whatever was queued
    }
    expect(collector.events.filter((event) => event.job.name.endsWith('/Unsampled'))).toEqual([]);
    expect(await counted(gateway)).toBe(0);
    expect(await counted(gateway, 'queue_full')).toBe(0);
  });
});
