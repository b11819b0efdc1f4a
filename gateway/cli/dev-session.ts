// `meshgate dev`'s session: loaded when the command runs (its help is `registerDevCommand`'s).
import { existsSync, renameSync, watch, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCheck, type CheckReport } from '../../schema/contracts/check.ts';
import { composeProducts } from '../../schema/contracts/compose.ts';
import { isValidProduct, loadMesh, readProductSource } from '../../schema/contracts/mesh.ts';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { loadGatewayConfig } from '../config-loader.ts';
import { startGateway, type RunningGateway } from '../create-gateway.ts';
import { DevWorkspace, readMeshFolder, readRegistryMesh, type DevMeshSource } from '../onboarding/dev-mesh.ts';
import { hashSdl } from '../supergraph/supergraph-source.ts';
import { formatReport, inRepository } from './check-command.ts';
import { freePort, portIsFree } from '../http/free-port.ts';
import { ProductProcess } from '../onboarding/product-process.ts';
import { isUnrouted, noUrlYet, unroutedUrl } from '../../schema/registry/routing-url.ts';

/** Options of `meshgate dev`. */
export interface DevCommandOptions {
  /** The product folder: `product.yaml` and `schema.graphql`. @default the current folder */
  dir: string;
  /** Where the product is running, when you run it yourself. @example "http://localhost:4010/graphql" */
  url?: string;
  /**
   * Instead of `url`: the command that serves the product, run here on a free port (in
   * `PORT`) and restarted on every save, so an edit to its code is served too.
   * @example "node server.js"
   */
  run?: string;
  /** A mesh folder to run beside (the layout `meshgate check --root` reads). */
  root?: string;
  /** A registry whose current mesh to run beside. @example "https://registry.internal" */
  registry?: string;
  /** The registry token. @default process.env.MESHGATE_REGISTRY_TOKEN */
  token?: string;
  /** The local gateway's port; 0 picks a free one. @default 4000, or a free one when 4000 is taken */
  port?: number;
  /** Check sunsets against this day (`YYYY-MM-DD`). @default today (UTC) */
  today?: string;
}

/** Product files whose save starts a new round. */
const WATCHED = new Set(['product.yaml', 'schema.graphql']);
/** With `--run`, a save of any other file in the folder restarts the product, but not of these (data, dependencies, editors' files). */
const NOT_SOURCE = /^(\.|node_modules$|store$|.*\.duckdb(\.wal|\.tmp)?$|.*~$)/;
/** The gateway port a team expects; when `npm start`'s gateway holds it, dev takes a free one and says so. */
const PREFERRED_PORT = 4000;

export interface DevSession {
  readonly gateway: RunningGateway;
  close(): Promise<void>;
}

export async function startDevSession(options: DevCommandOptions): Promise<DevSession> {
  if (!options.root === !options.registry) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate dev', ['pass the mesh to run beside: --root <dir> or --registry <url>, one of them']);
  if (!options.url === !options.run)
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate dev', ['say where your product is: --url <url> where you run it, or --run <command> for dev to run it, one of them']);
  if (options.url !== undefined && (!URL.canParse(options.url) || !/^https?:$/.test(new URL(options.url).protocol))) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--url', [
      `must be the http(s) URL your product serves GraphQL at, such as http://localhost:4010/graphql (got ${JSON.stringify(options.url.slice(0, 100))})`,
    ]);
  }
  const dir = resolve(options.dir ?? '.');
  for (const file of WATCHED)
    if (!existsSync(join(dir, file))) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate dev', [`${join(dir, file)} does not exist: run it in a product folder or pass --dir`]);
  const name = readProductSource(dir, basename(dir)).name;
  const source: DevMeshSource = options.root ? readMeshFolder(options.root) : await readRegistryMesh(options.registry!, options.token ?? process.env.MESHGATE_REGISTRY_TOKEN, name);
  const workspace = new DevWorkspace(source);
  const others = source.products.filter((product) => product.name !== name).length;
  let server: ProductProcess | undefined;
  if (options.run) {
    try {
      server = await ProductProcess.start(options.run, dir, name);
    } catch (error) {
      workspace.close();
      throw error;
    }
  }
  const productUrl = server?.url ?? options.url!;
  console.log(`meshgate dev: ${name} from ${dir} (${productUrl}${server ? `, run by: ${options.run}` : ''}) beside ${others} products of ${source.origin}`);

  let gateway: RunningGateway | undefined;
  let round = 0;
  /** One round: copy the working copy in, check, compose, serve. Returns the supergraph when it composed. */
  const runRound = async (): Promise<string | undefined> => {
    workspace.update(name, dir);
    printFindings(await runCheck({ root: workspace.root, today: options.today }), name, dir);
    const mesh = loadMesh(workspace.root);
    const live = mesh.products.filter(isValidProduct);
    const local = live.find((product) => product.name === name);
    if (!local) {
      // Composing without it would drop the product from the gateway over a half-typed descriptor.
      console.log(`meshgate dev: ${name}'s working copy is not valid (see the findings above): not recomposed`);
      return undefined;
    }
    // The working copy is served whatever its status (a draft is what one develops).
    const statuses = new Set([...mesh.governance.composableStatuses, local.descriptor.status]);
    const urlOf = (product: string) => (product === name ? productUrl : (source.urls[product] ?? unroutedUrl(product)));
    const composed = composeProducts(
      live.map((product) => ({ ...product, url: urlOf(product.name) })),
      statuses,
      mesh.governance,
    );
    if (!composed.ok) {
      console.log(`meshgate dev: ${MeshErrorCode.COMPOSITION_FAILED} (see the findings above): not recomposed`);
      return undefined;
    }
    // Written whole, then renamed over the old one: the gateway never reads half a file.
    const temporary = `${workspace.supergraphFile}.tmp`;
    writeFileSync(temporary, composed.supergraphSdl);
    renameSync(temporary, workspace.supergraphFile);
    return composed.supergraphSdl;
  };

  try {
    if ((await runRound()) === undefined) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate dev', ['the working copy does not compose with the mesh: fix the findings above']);
    let config = loadGatewayConfig({ overrides: { port: options.port ?? PREFERRED_PORT, supergraph: { file: workspace.supergraphFile } } });
    // Only the default gives way: a port the user named is theirs to free.
    const taken = options.port === undefined && !(await portIsFree(PREFERRED_PORT, config.host));
    if (taken) config = { ...config, port: await freePort(config.host) };
    gateway = await startGateway(config);
    if (taken) console.log(`meshgate dev: port ${PREFERRED_PORT} is in use (npm start's gateway?); took port ${config.port} (--port chooses one)`);
    const state = gateway.state();
    for (const subgraph of state.phase === 'serving' ? state.subgraphs : []) {
      const url = config.subgraphUrls[subgraph.name] ?? subgraph.url;
      const note = subgraph.name === name ? ' (yours)' : isUnrouted(url) ? ` (${noUrlYet(subgraph.name)})` : '';
      console.log(`  ${subgraph.name} -> ${url}${note}`);
    }
    // Last, so that whoever waits for this line has everything above.
    console.log(`meshgate dev: gateway ready at ${gateway.url}`);
  } catch (error) {
    await server?.stop();
    workspace.close();
    throw error;
  }
  const running = gateway;

  // Saves come in bursts (an editor writes, renames, touches): one round per burst, never two at once.
  let timer: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();
  const watcher = watch(dir, (_event, file) => {
    const changed = file?.toString();
    if (!changed || !(WATCHED.has(changed) || (server && !NOT_SOURCE.test(changed)))) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      queue = queue.then(async () => {
        round += 1;
        console.log(`meshgate dev: change ${round}: ${name}'s working copy changed; ${server ? 'restarting it, ' : ''}checking and recomposing`);
        try {
          // The product first: the gateway then plans a new field only once the product serves it.
          if (server) console.log(`meshgate dev: change ${round}: ${await server.restart()}`);
          const sdl = await runRound();
          if (sdl !== undefined) console.log(`meshgate dev: change ${round}: ${await reloaded(running, sdl)}`);
        } catch (error) {
          // A half-saved file, a descriptor that does not parse: say so and keep serving.
          console.log(`meshgate dev: change ${round}: ${(error as Error).message}`);
        }
      });
    }, 150);
  });
  watcher.on('error', () => {});

  return {
    gateway: running,
    async close() {
      clearTimeout(timer);
      watcher.close();
      await queue;
      await running.close();
      await server?.stop();
      workspace.close();
    },
  };
}

/** Waits until the gateway serves `sdl` (it reloads the file it watches) or refused it. */
async function reloaded(gateway: RunningGateway, sdl: string): Promise<string> {
  const hash = hashSdl(sdl);
  for (let waited = 0; waited < 10_000; waited += 25) {
    const state = gateway.state();
    if (state.phase === 'serving' && state.hash === hash) return 'gateway reloaded';
    if (state.phase === 'serving' && state.refused?.hash === hash) return `the gateway refused the new supergraph and keeps the last good one: ${state.refused.error}`;
    await sleep(25);
  }
  return 'the gateway has not picked up the new supergraph yet';
}

/**
 * The check's findings, less the mesh's lineage file, which is the mesh's to regenerate, not
 * the product team's; the product's files named where the team has them, not in the workspace.
 */
function printFindings(report: CheckReport, name: string, dir: string): void {
  const findings = inRepository(
    report.findings.filter((finding) => !finding.rule.startsWith('lineage/')),
    name,
    dir,
  );
  const failing = new Set(findings.map((finding) => finding.product));
  console.log(formatReport({ ...report, ok: findings.length === 0, findings, products: report.products.map((product) => ({ ...product, ok: !failing.has(product.name) })) }));
}
