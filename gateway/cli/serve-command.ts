import { existsSync } from 'node:fs';
import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve any Federation 2 supergraph file with the subgraph URLs it contains')
    .option('--supergraph <file>', 'supergraph SDL file (default: schema/supergraph.graphql)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', (value) => Number(value))
    .option('--host <host>', 'interface to bind')
    .option('--config <file>', 'gateway config file (default: meshgate.yaml if present)')
    .option('--registry <url>', 'serve the current build of this registry, polled (token: MESHGATE_REGISTRY_TOKEN, a gateway token)')
    .option('--workers <n>', 'gateway processes sharing the port, one per core is typical (default: 1)', (value) => Number(value))
    .action(async (options: { supergraph?: string; port?: number; host?: string; config?: string; workers?: number; registry?: string }) => {
      const { loadGatewayConfig, runPrimary, startGateway, onShutdownSignal, isUnrouted, noUrlYet } = await loadServePath();
      // As if MESHGATE_REGISTRY_URL were set, so the token still comes from the file or the environment.
      const env = options.registry ? { ...process.env, MESHGATE_REGISTRY_URL: options.registry } : process.env;
      if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) throw new TypeError(`--workers must be a positive integer (got ${options.workers})`);
      const workers = options.workers ?? 1;
      if (workers > 1 && !process.env.MESHGATE_CLUSTER_WORKER) {
        // Validate here, so a bad config fails once rather than in every worker.
        const config = loadGatewayConfig({ configPath: options.config, env, overrides: { port: options.port, host: options.host } });
        await runPrimary({ workers, port: config.port, host: config.host, onReady: (port) => console.log(`meshgate: ${workers} workers on http://${config.host}:${port}/graphql`) });
        return;
      }
      const config = loadGatewayConfig({
        configPath: options.config,
        env,
        // A worker takes the port its primary chose (MESHGATE_PORT), not the flag's 0.
        overrides: { port: process.env.MESHGATE_CLUSTER_WORKER ? undefined : options.port, host: options.host, ...(options.supergraph ? { supergraph: { file: options.supergraph } } : {}) },
      });
      const gateway = await startGateway(config);
      const state = gateway.state();
      console.log(`meshgate gateway ready at ${gateway.url}`);
      if (state.phase === 'serving') {
        for (const subgraph of state.subgraphs) {
          const url = config.subgraphUrls[subgraph.name] ?? subgraph.url;
          console.log(`  ${subgraph.name} -> ${isUnrouted(url) ? noUrlYet(subgraph.name) : url}`);
        }
      }
      onShutdownSignal(() => gateway.close());
    });
}

/** The file the build bundles the serve path into, beside this module's compiled twin. */
const SERVE_BUNDLE = 'serve-path.bundle.js';

/**
 * The serve path from the build's bundle when this module runs compiled and the bundle is
 * there; otherwise its modules one by one (from the sources, or a dist/ built without it).
 */
async function loadServePath(): Promise<typeof import('./serve-path.ts')> {
  const bundle = new URL(`./${SERVE_BUNDLE}`, import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(bundle)) return (await import(bundle.href)) as typeof import('./serve-path.ts');
  return import('./serve-path.ts');
}
