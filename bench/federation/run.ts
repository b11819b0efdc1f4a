import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchArgs, selectModes, selectSides } from '../lib/bench-args.ts';
import { benchIdentity, withTokenPerConnection } from '../lib/bench-identity.ts';
import { startChildService } from '../lib/child-service.ts';
import { composeSupergraph } from '../lib/compose-supergraph.ts';
import { startMeshgate, startVanillaApollo, withServices } from '../lib/gateways.ts';
import type { LoadRequest } from '../lib/load.ts';
import { machineLine } from '../lib/machine.ts';
import { ProductMeter } from '../lib/product-cost.ts';
import { compact, ratios, runModes } from '../lib/side-by-side.ts';
import { postRaw, verifyIdenticalResponses } from '../lib/verify.ts';
import { FEDERATION_QUERY, FEDERATION_QUERY_WITH_VARIABLE, FIRST_PRODUCTS } from './query.ts';
import { FEDERATION_SUBGRAPHS } from './subgraphs.ts';

/**
 * `npm run bench [-- --duration 30 --rounds 2 --warmup 5 --connections 50 --workers 2 --profile-dir DIR --modes identical,distinct-variables,distinct-tokens --sides engine-meshgate --semi-space-mb 32]`
 *
 * The public federation benchmark: four subgraphs, one nested query, meshgate (as shipped,
 * and with request coalescing off) and a vanilla Apollo Gateway, each in its own process,
 * measured A B C A B C with autocannon, in three request modes one after the other:
 * - `identical`: every request the same (the benchmark as published);
 * - `distinct-variables`: no two requests alike, each carries a `$first` of its own;
 * - `distinct-tokens`: the same query, each connection with a bearer token of its own
 *   (every run opens new connections with tokens not used before), all with the same
 *   scopes. meshgate verifies them; vanilla Apollo Gateway has no authentication and is
 *   sent the same headers.
 * Each product runs in a process of its own, so each mode also prints what each product
 * spent on each gateway's requests: fetches and `_entities` fetches per request, and the CPU
 * of its process per fetch (a product-side regression, or a gateway asking more, shows there).
 * `--sides` picks some of the gateways (vanilla always runs); `--semi-space-mb` gives every
 * gateway process (vanilla too) that young generation. Prints figures per mode, then every
 * side against vanilla in the same mode, and ends with one JSON line. Figures only: nothing here asserts on time.
 */
const MODES = ['identical', 'distinct-variables', 'distinct-tokens'] as const;
const SIDES = ['meshgate', 'meshgate-uncoalesced', 'engine-meshgate', 'vanilla-apollo'] as const;
type SideLabel = (typeof SIDES)[number];
const args = readBenchArgs();
const modes = selectModes(args, MODES);
const sides = selectSides(args, SIDES, 'vanilla-apollo');
const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
await withServices(async (services) => {
  // One process a product, so each product's own CPU per fetch can be told apart.
  const products = await Promise.all(
    FEDERATION_SUBGRAPHS.map((s) => startChildService<{ type: 'ready'; urls: Record<string, string> }>(new URL('./subgraphs-process.ts', import.meta.url).pathname, { args: [s.name] })),
  );
  services.push(...products);
  const meter = new ProductMeter(products);
  const supergraph = join(dir, 'supergraph.graphql');
  composeSupergraph(
    FEDERATION_SUBGRAPHS.map((s, i) => ({ name: s.name, sdl: s.sdl, url: products[i]!.ready.urls[s.name]! })),
    supergraph,
  );
  // A token for every connection of every run (warm-up included) of every side: no
  // connection ever sends a token another has sent.
  const identity = await benchIdentity({ scope: 'reviews:read', count: args.connections * 3 * (args.rounds + 1), allowAnonymous: true });
  // Two meshgates: as shipped, and with request coalescing off, which shows what the engine
  // path alone is worth (every request plans, fetches and serializes on its own). `--sides`
  // starts only some of them (vanilla always runs: it is the baseline).
  const profile = (name: string) => (args.profileDir ? { ...args, profileDir: join(args.profileDir, name) } : args);
  // The benchmark's subgraphs are no data products: nothing classifies their fields, and
  // production refuses such a supergraph unless told it is meant. Anonymous callers are
  // allowed (the first two modes send no token); tokens are checked against the bench's key.
  const benchGraph = { supergraph: { file: supergraph }, access: { allowUnclassifiedFields: true }, auth: identity.auth };
  // The engine alone: nothing shared between requests (no inbound coalescing, no outbound
  // fetch de-duplication), so every request plans, fetches, merges, shapes and serializes on
  // its own, as when no two requests are alike.
  const nothingShared = { ...benchGraph, coalesceQueries: false, transport: { dedupe: false } };
  const configs: Record<Exclude<SideLabel, 'vanilla-apollo'>, Record<string, unknown>> = {
    meshgate: benchGraph,
    'meshgate-uncoalesced': { ...benchGraph, coalesceQueries: false },
    'engine-meshgate': nothingShared,
  };
  const gateways: { label: SideLabel; url: string; pid: number }[] = [];
  for (const label of sides) {
    const gateway = label === 'vanilla-apollo' ? await startVanillaApollo(supergraph, { semiSpaceMb: args.semiSpaceMb }) : await startMeshgate(configs[label], profile(label));
    services.push(gateway);
    gateways.push({ label, url: gateway.ready.url, pid: gateway.pid });
  }
  const body = JSON.stringify({ query: FEDERATION_QUERY });
  let sequence = 0;
  const requestsOf: Record<(typeof MODES)[number], LoadRequest[]> = {
    identical: [{ body }],
    'distinct-variables': [
      {
        body: JSON.stringify({ query: FEDERATION_QUERY_WITH_VARIABLE, variables: { first: FIRST_PRODUCTS } }),
        vary: () => ({ body: JSON.stringify({ query: FEDERATION_QUERY_WITH_VARIABLE, variables: { first: FIRST_PRODUCTS + ++sequence } }) }),
      },
    ],
    'distinct-tokens': withTokenPerConnection([{ body }], identity.tokens),
  };

  const sizes = await verifyIdenticalResponses(
    gateways,
    modes.map((mode) => requestsOf[mode][0]!),
  );
  const fetches: Record<string, number> = {};
  const served = async () => Object.values(await meter.read()).reduce((sum, product) => sum + product.fetches, 0);
  for (const gateway of gateways) {
    const before = await served();
    await postRaw(gateway.url, body);
    fetches[gateway.label] = (await served()) - before;
  }
  console.log(
    `${machineLine()}\nresponses identical (${modes.map((mode, i) => `${mode} ${sizes[i]} bytes`).join(', ')}); subgraph fetches per query: ${Object.entries(fetches)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`${args.connections} connections, ${args.rounds} rounds of ${args.duration} s per gateway after ${args.warmup} s warm-up, modes ${modes.join(', ')}\n`);

  const summary = await runModes(gateways, modes, requestsOf, args, {
    baselineLabel: 'vanilla-apollo',
    products: meter,
    // Every side measured, as figures and against vanilla.
    summarize: (figures, baseline) => Object.fromEntries(Object.entries(figures).map(([label, f]) => [label, { ...compact(f), vsVanilla: ratios(f, baseline) }])),
  });
  console.log(
    JSON.stringify({ bench: 'federation', date: new Date().toISOString(), args, responseBytes: Object.fromEntries(modes.map((m, i) => [m, sizes[i]])), fetchesPerQuery: fetches, ...summary }),
  );
});
rmSync(dir, { recursive: true, force: true });
