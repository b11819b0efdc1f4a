import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../../../gateway/create-gateway.ts';
import { registerTracing } from '../../../schema/protocol/trace-propagation.ts';
import { postGraphQL, startGatewayOn, startMesh, type MeshHarness } from '../../support/mesh-harness.ts';
import { loggerToLines } from '../../support/log-lines.ts';

/**
 * Query plans survive a supergraph reload: operations executed before it are re-planned in
 * the background, so the first requests after it do not plan. Apollo Gateway opens a
 * `gateway.plan` span exactly when it plans, which is what is counted here; a second
 * gateway with warming off, on the same products and file, shows the difference.
 */
const ORIGINAL = readFileSync('schema/supergraph.graphql', 'utf8');
const OLD_DESCRIPTION = 'One product by SKU, or null when there is none.';
const DASHBOARD = 'query Dashboard { product(sku: "SKU-0001") { name } }';
const CATEGORIES = '{ categories { category productCount } }';

const exporter = new InMemorySpanExporter();
const log = loggerToLines();
let dir: string;
let file: string;
let mesh: MeshHarness;
let cold: RunningGateway;

beforeAll(async () => {
  registerTracing({ spanProcessor: new SimpleSpanProcessor(exporter), serviceName: 'meshgate-test' });
  dir = mkdtempSync(join(tmpdir(), 'meshgate-warm-'));
  file = join(dir, 'supergraph.graphql');
  writeFileSync(file, ORIGINAL);
  mesh = await startMesh({ supergraph: { file, watch: true } }, { logger: log.logger });
  cold = await startGatewayOn(mesh, { supergraph: { file, watch: true }, auth: mesh.auth, warmQueryPlans: 0 });
});
afterAll(async () => {
  await cold?.close();
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Sends `query` under a trace of its own and returns how many times the gateway planned for it. */
async function plansFor(gateway: RunningGateway, query: string): Promise<number> {
  const traceId = randomBytes(16).toString('hex');
  const result = await postGraphQL(gateway.url, { query }, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
  expect(result.body.errors).toBeUndefined();
  const spans = await vi.waitFor(() => {
    const inTrace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    if (!inTrace.some((span) => span.name === 'meshgate gateway')) throw new Error('gateway span still open');
    return inTrace;
  });
  return spans.filter((span) => span.name === 'gateway.plan').length;
}

const servedHash = (gateway: RunningGateway) => {
  const state = gateway.state();
  return state.phase === 'serving' ? state.hash : undefined;
};

describe('after a supergraph reload', () => {
  it('operations executed before it are served from plans made in the background, not on the request path', async () => {
    for (const gateway of [mesh.gateway, cold]) {
      expect(await plansFor(gateway, DASHBOARD)).toBe(1);
      expect(await plansFor(gateway, CATEGORIES)).toBe(1);
      expect(await plansFor(gateway, DASHBOARD)).toBe(0); // Apollo's own cache, before any reload
    }
    const before = servedHash(cold);
    writeFileSync(`${file}.tmp`, ORIGINAL.replace(OLD_DESCRIPTION, 'One product by SKU (reloaded).'));
    renameSync(`${file}.tmp`, file);
    await vi.waitFor(() => expect(log.records<{ msg?: string; warmed?: number }>().find((line) => line.msg === 'query plans re-planned for the new supergraph')?.warmed).toBe(2), { timeout: 10_000 });
    await vi.waitFor(() => expect(servedHash(cold)).not.toBe(before), { timeout: 10_000 });

    expect(await plansFor(mesh.gateway, DASHBOARD)).toBe(0);
    expect(await plansFor(mesh.gateway, CATEGORIES)).toBe(0);
    // Without warming, the first request after the reload plans again.
    expect(await plansFor(cold, DASHBOARD)).toBe(1);
    expect(await plansFor(cold, CATEGORIES)).toBe(1);
  });
});
