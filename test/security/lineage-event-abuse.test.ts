import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';
import { startCollector } from '../support/openlineage-collector.ts';
import { openLineageProblems, tagsOf } from '../contracts/standard-schemas.ts';

/**
 * Hostile input that ends up in an OpenLineage run event: the collector is a catalog many
 * people read, so a caller's values must not reach it, and a caller's names must not make
 * its events (or the queue holding them) grow with the caller's input.
 */
let collector: Awaited<ReturnType<typeof startCollector>>;
let mesh: MeshHarness;
beforeAll(async () => {
  collector = await startCollector();
  mesh = await startWorkerMesh({ lineage: { url: collector.url, flushIntervalMs: 10 } });
});
afterAll(async () => {
  await mesh?.close();
  await collector?.close();
});

function eventWhere(match: (event: any) => boolean) {
  return vi.waitFor(
    () => {
      const event = collector.events.find(match);
      if (!event) throw new Error('no such event yet');
      return event;
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe('OpenLineage run events under hostile input', () => {
  it('a failed operation sends its code, never its error message: a variable value echoed there stays with the caller', async () => {
    const secret = `4111-1111-1111-1111-${'s'.repeat(20_000)}`;
    const answer = await mesh.query('query LeakProbe($n: Int) { products(first: $n) { edges { node { sku } } } }', { n: secret }, { 'apollographql-client-name': 'probe' });
    // The caller is told about its own value, as GraphQL does.
    expect(answer.body.errors?.[0]?.extensions?.code).toBe(MeshErrorCode.BAD_USER_INPUT);
    const event = await eventWhere((e) => e.job.name === 'probe/LeakProbe');
    expect(openLineageProblems(event, 'run')).toEqual([]);
    expect(event.eventType).toBe('FAIL');
    expect(event.run.facets.errorMessage.message).toContain(MeshErrorCode.BAD_USER_INPUT);
    expect(JSON.stringify(event)).not.toContain('4111-1111');
  });

  it('an operation name of any length is cut to the label bound in the job and its facet', async () => {
    const name = `Op${'x'.repeat(50_000)}`;
    const answer = await mesh.query(`query ${name} { products(first: 1) { edges { node { sku } } } }`, undefined, { 'apollographql-client-name': 'long-names' });
    expect(answer.body.errors).toBeUndefined();
    const event = await eventWhere((e) => e.job.name.startsWith('long-names/'));
    expect(openLineageProblems(event, 'run')).toEqual([]);
    expect(event.job.name.length).toBeLessThanOrEqual('long-names/'.length + 64);
    const operationName = tagsOf(event.job).tags.get('operationName')!;
    expect(operationName.length).toBeLessThanOrEqual(64);
    expect(operationName.startsWith('Opxxx')).toBe(true);
    // The same bound on /metrics, whose series the name labels.
    const metrics = await (await fetch(new URL('/metrics', mesh.gateway.url))).text();
    expect(metrics).toContain(`operation="${name.slice(0, 64)}"`);
    expect(metrics).not.toContain(name.slice(0, 65));
  });
});
