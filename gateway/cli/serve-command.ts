import type { Command } from 'commander';
import { loadGatewayConfig } from '../config.ts';
import { startGateway } from '../create-gateway.ts';
import { onShutdownSignal } from './shutdown.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve any Federation 2 supergraph file with the subgraph URLs it contains')
    .option('--supergraph <file>', 'supergraph SDL file (default: schema/supergraph.graphql)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', (value) => Number(value))
    .option('--host <host>', 'interface to bind')
    .option('--config <file>', 'gateway config file (default: meshgate.yaml if present)')
    .action(async (options: { supergraph?: string; port?: number; host?: string; config?: string }) => {
      const config = loadGatewayConfig({
        configPath: options.config,
        overrides: { port: options.port, host: options.host, ...(options.supergraph ? { supergraph: { file: options.supergraph } } : {}) },
      });
      const gateway = await startGateway(config);
      const state = gateway.state();
      console.log(`meshgate gateway ready at ${gateway.url}`);
      if (state.phase === 'serving') for (const subgraph of state.subgraphs) console.log(`  ${subgraph.name} -> ${config.subgraphUrls[subgraph.name] ?? subgraph.url}`);
      onShutdownSignal(() => gateway.close());
    });
}
