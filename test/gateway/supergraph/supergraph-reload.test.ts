import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';

/**
 * Hot reload of the supergraph file the gateway serves: a valid new one is swapped in under
 * load without a failed request; a broken one is refused while the last good one serves.
 */
const ORIGINAL = readFileSync('schema/supergraph.graphql', 'utf8');
const OLD_DESCRIPTION = 'One product by SKU, or null when there is none.';
let dir: string;
let file: string;
let mesh: MeshHarness;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-reload-'));
  file = join(dir, 'supergraph.graphql');
  writeFileSync(file, ORIGINAL);
  // With details, /ready shows operators why a reload was refused.
  mesh = await startWorkerMesh({ supergraph: { file, watch: true }, readiness: { details: true } });
});
afterAll(async () => {
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes the way deploy tools do: a new file renamed over the old one. */
function replaceAtomically(sdl: string): void {
  writeFileSync(`${file}.tmp`, sdl);
  renameSync(`${file}.tmp`, file);
}

async function until<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (accept(value)) return value;
    await sleep(50);
  }
  throw new Error('condition not reached');
}

const productDescription = async () =>
  (await mesh.query('{ __type(name: "Query") { fields { name description } } }')).body.data.__type.fields.find((f: { name: string }) => f.name === 'product').description;

describe('supergraph hot reload', () => {
  it('swaps a new supergraph in under concurrent load with zero failed requests', async () => {
    const before = mesh.gateway.state();
    expect(before.phase).toBe('serving');
    let stop = false;
    const failures: unknown[] = [];
    let served = 0;
    const worker = async () => {
      while (!stop) {
        const result = await mesh.query('{ product(sku: "SKU-0001") { name forecast(months: 1) { units } } customer(id: "C00001") { name orderCount } }');
        if (result.status !== 200 || result.body.errors || result.body.data.product.name !== 'Eco Turntable') failures.push(result.body);
        served++;
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await until(
      () => served,
      (n) => n >= 8,
    ); // load is flowing before the first swap

    replaceAtomically(ORIGINAL.replace(OLD_DESCRIPTION, 'One product by SKU (reloaded once).'));
    await until(productDescription, (d) => d === 'One product by SKU (reloaded once).');
    // And a second swap written in place, as an editor would.
    writeFileSync(file, ORIGINAL.replace(OLD_DESCRIPTION, 'One product by SKU (reloaded twice).'));
    await until(productDescription, (d) => d === 'One product by SKU (reloaded twice).');
    const servedBySwap = served;
    await until(
      () => served,
      (n) => n >= servedBySwap + 8,
    ); // and keeps flowing after the last
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    const after = mesh.gateway.state();
    expect(after.phase === 'serving' && before.phase === 'serving' && after.hash !== before.hash).toBe(true);
  });

  it('refuses a broken supergraph, keeps serving the last good one, and /ready reports it', async () => {
    const good = mesh.gateway.state();
    replaceAtomically('type Query { this is not a supergraph');
    const refused = await until(
      () => mesh.gateway.state(),
      (s) => s.phase === 'serving' && s.refused !== undefined,
    );
    expect(refused.phase === 'serving' && good.phase === 'serving' && refused.hash === good.hash).toBe(true);

    const result = await mesh.query('{ product(sku: "SKU-0001") { name } }');
    expect(result.body).toMatchObject({ data: { product: { name: 'Eco Turntable' } } });
    const ready: any = await (await fetch(mesh.gateway.url.replace(/graphql$/, 'ready'))).json();
    expect(ready.status).toBe('ready');
    expect(ready.supergraph.refused.error).toMatch(/not valid SDL/);

    // Valid GraphQL that is no supergraph is refused too.
    replaceAtomically('type Query { hello: String }');
    await until(
      () => mesh.gateway.state(),
      (s) => s.phase === 'serving' && /no subgraphs/.test(s.refused?.error ?? ''),
    );
    expect((await mesh.query('{ product(sku: "SKU-0001") { name } }')).body.data.product.name).toBe('Eco Turntable');

    // A supergraph Apollo cannot build (a field routed to an unknown subgraph) is refused by Apollo's own checks.
    replaceAtomically(ORIGINAL.replace('@join__field(graph: CATALOG)', '@join__field(graph: NOWHERE)'));
    await until(
      () => mesh.gateway.state(),
      (s) => s.phase === 'serving' && s.refused !== undefined && !/no subgraphs|not valid SDL/.test(s.refused.error),
    );
    expect((await mesh.query('{ product(sku: "SKU-0001") { name } }')).body.data.product.name).toBe('Eco Turntable');
  });
});
