import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerTracing } from '../../../schema/protocol/trace-propagation.ts';
import { startMesh, type MeshHarness } from '../../support/mesh-harness.ts';

/**
 * A client's `traceparent` continues through the gateway into every product it fetches
 * from. The gateway and the products run in this process, so one in-memory exporter sees
 * both sides (each test file runs in its own process, so registering here is contained).
 */
const exporter = new InMemorySpanExporter();
let mesh: MeshHarness;
beforeAll(async () => {
  registerTracing({ spanProcessor: new SimpleSpanProcessor(exporter), serviceName: 'meshgate-test' });
  mesh = await startMesh();
});
afterAll(async () => {
  await mesh?.close();
});

const productOf = (span: ReadableSpan) => span.attributes['meshgate.product'];

describe('tracing', () => {
  it('continues the trace id sent in traceparent into the gateway, its plan and fetches, and the products', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const result = await mesh.query('query Traced { customer(id: "C00042") { name lifetimeValueUsd } }', undefined, { traceparent: `00-${traceId}-${parentSpanId}-01` });
    expect(result.body.errors).toBeUndefined();

    // A product's span ends when its response is flushed, which may be just after the gateway has read it.
    const spans = await vi.waitFor(() => {
      const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const products = new Set(inTrace.filter((s) => s.name.startsWith('product ')).map(productOf));
      if (!['customers', 'sales', 'customer-insights'].every((p) => products.has(p)) || !inTrace.some((s) => s.name === 'meshgate gateway')) throw new Error('spans still open');
      return inTrace;
    });
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const root = byName('meshgate gateway')[0]!;
    expect(root.parentSpanId).toBe(parentSpanId);
    expect(byName('gateway.request')[0]!.parentSpanId).toBe(root.spanContext().spanId);
    expect(byName('gateway.plan')).toHaveLength(1);
    const fetches = byName('gateway.fetch');
    expect(fetches.map(productOf).sort()).toEqual(expect.arrayContaining(['customer-insights', 'customers', 'sales']));
    // Each product's span is the child of the gateway fetch that called it.
    for (const productSpan of spans.filter((s) => s.name.startsWith('product '))) {
      const parent = fetches.find((f) => f.spanContext().spanId === productSpan.parentSpanId);
      expect(parent, `parent of ${productSpan.name}`).toBeDefined();
      expect(productOf(parent!)).toBe(productOf(productSpan));
    }
  });

  it('starts a new trace when the client sends none', async () => {
    exporter.reset();
    await mesh.query('{ product(sku: "SKU-0001") { name } }');
    const spans = await vi.waitFor(() => {
      const found = exporter.getFinishedSpans();
      if (!found.some((s) => productOf(s) === 'catalog' && s.name.startsWith('product '))) throw new Error('spans still open');
      return found;
    });
    const root = spans.find((s) => s.name === 'meshgate gateway')!;
    expect(root.parentSpanId).toBeUndefined();
    expect(spans.find((s) => s.name === 'product catalog')!.spanContext().traceId).toBe(root.spanContext().traceId);
  });
});
