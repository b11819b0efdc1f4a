import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, type MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * A caller that invents a client name, version and operation name per request must not
 * grow `/metrics` or the usage store: past the label budget new names are recorded as
 * `other`, and a known client keeps its own name whenever it arrives.
 */
const MAX_LABEL_VALUES = 20;
const INVENTED = 200;
const REQUEST_METRICS = /^meshgate_(requests_total|request_duration_seconds_\w+|field_usage_total)\{/;

let mesh: MeshHarness | undefined;
/** A signed-in caller: the usage store records only those (anonymous names are anyone's to invent). */
let authorization: string;
const usageFile = join(mkdtempSync(join(tmpdir(), 'meshgate-labels-')), 'usage.jsonl');
beforeAll(async () => {
  mesh = await startWorkerMesh({
    observability: { maxLabelValues: MAX_LABEL_VALUES, maxLabelCombinations: 60, knownClients: ['finance-dashboard'] },
    usage: { file: usageFile, flushIntervalMs: 200 },
  });
  authorization = `Bearer ${await mesh.token()}`;
});
afterAll(async () => {
  await mesh?.close();
});

function gatewayUrl(): string {
  return mesh!.gateway.url;
}

async function scrape(): Promise<string[]> {
  const response = await fetch(new URL('/metrics', gatewayUrl()));
  return (await response.text()).split('\n').filter((line) => REQUEST_METRICS.test(line));
}

async function invent(from: number, to: number, selection = '__typename'): Promise<void> {
  const concurrency = 16;
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const i = next++;
        const result = await postGraphQL(
          gatewayUrl(),
          { query: `query Op${i} { ${selection} }` },
          { authorization, 'apollographql-client-name': `invented-${i}`, 'apollographql-client-version': `v${i}` },
        );
        expect(result.status).toBe(200);
      }
    }),
  );
}

describe('invented client names, versions and operation names', () => {
  it('leave the number of /metrics series bounded, and the usage store writes only clients within the budget', async () => {
    await invent(0, INVENTED / 2);
    const half = await scrape();
    await invent(INVENTED / 2, INVENTED);
    const full = await scrape();
    // Past the budget, a hundred more invented names added no series at all.
    expect(full.length).toBe(half.length);
    const clients = new Set(full.map((line) => /client="([^"]*)"/.exec(line)?.[1]));
    expect(clients.size).toBeLessThanOrEqual(MAX_LABEL_VALUES + 1);
    expect(clients).toContain('other');
    const operations = new Set(full.map((line) => /operation="([^"]*)"/.exec(line)?.[1]).filter(Boolean));
    expect(operations.size).toBeLessThanOrEqual(MAX_LABEL_VALUES + 1);

    // Invented names that select fields write usage rows only as `other` once the budget is spent.
    await invent(INVENTED, INVENTED + 50, 'categories { category }');
    // A client named in config arrives after the flood and is still counted under its own name.
    expect((await postGraphQL(gatewayUrl(), { query: 'query Late { categories { category } }' }, { authorization, 'apollographql-client-name': 'finance-dashboard' })).status).toBe(200);
    const metrics = await (await fetch(new URL('/metrics', gatewayUrl()))).text();
    expect(metrics).toMatch(/meshgate_requests_total\{[^}]*client="finance-dashboard"/);
    expect(metrics).toMatch(/meshgate_label_values_folded_total\{label="client"\} [1-9]/);

    // Closing flushes the buffered usage rows.
    const closing = mesh!;
    mesh = undefined;
    await closing.close();
    const usageClients = new Set(
      readFileSync(usageFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { client: string }).client),
    );
    expect(usageClients.size).toBeLessThanOrEqual(MAX_LABEL_VALUES + 2);
    expect(usageClients).toContain('other');
    expect(usageClients).toContain('finance-dashboard');
  }, 120_000);
});
