import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/governance.ts';
import { DEFAULT_REGISTRY_FILE, openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { loadRegistryConfig, RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { registryClient, type RegistryClientOptions } from './registry-client-options.ts';
import { onShutdownSignal } from './shutdown.ts';

export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description('The registry: the source of truth of a mesh whose products live in repositories of their own');
  registry
    .command('serve')
    .description('Serve the registry (checks, numbered builds, the supergraph for gateways)')
    .option('--store <url|file>', `a postgres:// URL or a DuckDB file (default: ${DEFAULT_REGISTRY_FILE})`)
    .option('--port <port>', 'port to listen on (0 picks a free one)', (value) => Number(value), 4100)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--config <file>', 'registry config: tokens, body limit, starting governance (tokens also from MESHGATE_REGISTRY_*_TOKEN)')
    .action(async (options: { store?: string; port: number; host: string; config?: string }) => {
      const config = loadRegistryConfig(options.config);
      const tokens = new RegistryTokens(config);
      // Nothing is anonymous: a registry nobody can call is a mistake worth one clear line.
      if (tokens.size === 0) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, options.config ?? 'registry environment', ['no tokens: set MESHGATE_REGISTRY_PLATFORM_TOKEN or list tokens in --config']);
      // Loaded here, not on import: `registry rollback` needs none of the contract pipeline.
      const [{ Registry }, { startRegistryServer }] = await Promise.all([import('../../schema/registry/registry.ts'), import('../../schema/registry/registry-server.ts')]);
      const store = await openRegistryStore(options.store ?? process.env.MESHGATE_REGISTRY_STORE);
      const registry = await Registry.open(store, { governance: readFileSync(config.governanceFile ?? DEFAULT_GOVERNANCE_PATH, 'utf8') });
      const server = await startRegistryServer({ registry, tokens, port: options.port, host: options.host, maxBodyBytes: config.maxBodyBytes });
      const kind = /^postgres(ql)?:/.test(options.store ?? '') ? 'postgres' : (options.store ?? DEFAULT_REGISTRY_FILE);
      console.log(`meshgate registry ready at ${server.url} (store: ${kind}, ${tokens.size} tokens)`);
      onShutdownSignal(async () => {
        await server.close();
        await registry.close();
      });
    });
  registry
    .command('rollback')
    .description('Make an earlier build current again (a platform token)')
    .argument('<build>', 'the build number to restore')
    .requiredOption('--registry <url>', 'the registry')
    .option('--token <token>', 'a platform token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (build: string, options: RegistryClientOptions) => {
      const result = await registryClient(options).rollback(build);
      console.log(`build ${result.build} is current: the supergraph of build ${result.rolledBackTo}`);
    });
}
