/**
 * The registry under a large check: how long a check takes as the contract grows (fields
 * against seconds, up to the default limits), and how `/healthz` answers while the largest
 * allowed check runs. No assertions: a script that prints.
 *
 *   npm run bench:registry                          (about a minute on 2 cores)
 *   npm run bench:registry -- --sizes 1000,2000,4000,7000 --runs 2
 *
 * A registry on the embedded store in this process, over HTTP on a free port, seeded with the
 * first source product's published baseline; each size is a minor release of it with new types
 * of up to `limits.maxFieldsPerType` documented, classified fields (bench/registry/wide-contract.ts),
 * sent to `POST /v1/check` with a product token.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { DEFAULT_CHECK_LIMITS } from '../../schema/registry/check-limits.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { machineLine } from '../lib/machine.ts';
import { wideContract, type Contract } from './wide-contract.ts';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '500,1000,2000,4000,7000' }, runs: { type: 'string', default: '1' } } });
const sizes = args.sizes.split(',').map(Number);
const runs = Number(args.runs);
if (sizes.some((n) => !(n > 0)) || !(runs > 0)) throw new Error('--sizes takes positive field counts, --runs a positive number');

const ROOT = new URL('../..', import.meta.url).pathname;
const member = DEMO_MESH.find((m) => loadDescriptor(join(m.definition.dir, 'product.yaml')).inputPorts.length === 0)!;
const baselineDir = join(ROOT, 'schema', 'published', member.name);
const BASE: Contract = { product: member.name, descriptor: readFileSync(join(baselineDir, 'product.yaml'), 'utf8'), sdl: readFileSync(join(baselineDir, 'schema.graphql'), 'utf8') };
const VERSION = loadDescriptor(join(baselineDir, 'product.yaml')).version;
const TOKENS = { platform: 'bench-platform-token-0123456789', product: 'bench-product-token-0123456789' };

const dir = mkdtempSync(join(tmpdir(), 'bench-registry-'));
const registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
const tokens = new RegistryTokens({
  tokens: [
    { kind: 'platform', name: 'platform', token: TOKENS.platform },
    { kind: 'product', name: 'bench', product: member.name, token: TOKENS.product },
  ],
});
const server = await startRegistryServer({ registry, tokens, log: (line) => console.error(line) });

/** What the registry answers a check or publish with, as far as this bench reads it. */
interface RegistryAnswer {
  ok?: boolean;
  error?: { code?: string; message?: string };
}

async function post(path: string, token: string, body: unknown): Promise<{ status: number; json: RegistryAnswer }> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as RegistryAnswer };
}

/** A contract of `fields` new fields, in as few types as the per-type limit allows. */
function contractOf(fields: number): Contract {
  const types = Math.ceil(fields / DEFAULT_CHECK_LIMITS.maxFieldsPerType);
  return wideContract(BASE, VERSION, types, Math.ceil(fields / types));
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const percentile = (values: readonly number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;

try {
  const imported = await post('/v1/import', TOKENS.platform, { products: [BASE] });
  if (imported.status !== 201) throw new Error(`import refused: ${JSON.stringify(imported.json).slice(0, 400)}`);
  console.log(machineLine());
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; product ${member.name}; limits ${JSON.stringify(DEFAULT_CHECK_LIMITS)}`,
  );
  // One check to warm the check thread (it loads the contract pipeline once).
  await post('/v1/check', TOKENS.product, BASE);

  console.log('\ncheck time against contract size (POST /v1/check, median of runs)');
  console.log('fields  types  SDL KiB  descriptor KiB  seconds  ms per 1k fields  ok');
  for (const fields of sizes) {
    const contract = contractOf(fields);
    const seconds: number[] = [];
    let ok = false;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const outcome = await post('/v1/check', TOKENS.product, contract);
      seconds.push((performance.now() - started) / 1000);
      ok = outcome.status === 200 && outcome.json.ok === true;
      if (outcome.status !== 200) console.log(`  refused: ${outcome.json.error?.code} ${outcome.json.error?.message}`);
    }
    const s = median(seconds);
    const types = Math.ceil(fields / DEFAULT_CHECK_LIMITS.maxFieldsPerType);
    console.log(
      `${String(fields).padStart(6)}  ${String(types).padStart(5)}  ${(Buffer.byteLength(contract.sdl) / 1024).toFixed(0).padStart(7)}  ${(Buffer.byteLength(contract.descriptor) / 1024).toFixed(0).padStart(14)}  ${s.toFixed(2).padStart(7)}  ${((s * 1000) / (fields / 1000)).toFixed(0).padStart(16)}  ${ok}`,
    );
  }

  const largest = contractOf(Math.max(...sizes));
  console.log(`\n/healthz during the largest check (${Math.max(...sizes)} fields), one request at a time until the check answers`);
  let settled = false;
  const started = performance.now();
  const check = post('/v1/check', TOKENS.product, largest).finally(() => {
    settled = true;
  });
  const latencies: number[] = [];
  while (!settled) {
    const t = performance.now();
    const response = await fetch(`${server.url}/healthz`);
    await response.text();
    if (!settled) latencies.push(performance.now() - t);
  }
  const outcome = await check;
  console.log(`check: ${((performance.now() - started) / 1000).toFixed(2)} s, ok ${outcome.json.ok}; /healthz answered ${latencies.length} times during it`);
  console.log(`/healthz latency: median ${median(latencies).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await server.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
}
