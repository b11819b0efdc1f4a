import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { formatReport } from './check-command.ts';
import { DEFAULT_REGISTRY_FILE } from '../../schema/registry/open-registry-store.ts';
import { registryClient, type RegistryClientOptions } from './registry-client-options.ts';

export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description('The registry: the source of truth of a mesh whose products live in repositories of their own');
  registry
    .command('serve')
    .description('Serve the registry (checks, numbered builds, the supergraph for gateways)')
    .option('--store <url|file>', `a postgres:// URL or a DuckDB file (default: ${DEFAULT_REGISTRY_FILE})`)
    .option('--port <port>', 'port to listen on (0 picks a free one)', (value) => Number(value), 4100)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--config <file>', 'registry config: tokens, body and check limits, starting governance (tokens also from MESHGATE_REGISTRY_*_TOKEN)')
    .action(async (options: { store?: string; port: number; host: string; config?: string }) => {
      const { loadRegistryConfig, RegistryTokens } = await import('../../schema/registry/registry-tokens.ts');
      const config = loadRegistryConfig(options.config);
      const tokens = new RegistryTokens(config);
      // Nothing is anonymous: a registry nobody can call is a mistake worth one clear line.
      if (tokens.size === 0)
        throw new ConfigError(MeshErrorCode.CONFIG_INVALID, options.config ?? 'registry environment', ['no tokens: set MESHGATE_REGISTRY_PLATFORM_TOKEN or list tokens in --config']);
      // Loaded here, not on import: `registry rollback` needs none of the contract pipeline.
      const [{ Registry }, { startRegistryServer }, { registryPages }, { RegistrySigningSecrets, signingKeyRoutes }, { openRegistryStore }, { DEFAULT_GOVERNANCE_PATH }, { onShutdownSignal }] =
        await Promise.all([
          import('../../schema/registry/registry.ts'),
          import('../../schema/registry/registry-server.ts'),
          import('../catalog/registry-pages.ts'),
          import('../../schema/registry/signing-key-handout.ts'),
          import('../../schema/registry/open-registry-store.ts'),
          import('../../schema/contracts/governance.ts'),
          import('./shutdown.ts'),
        ]);
      // Before the store: a secret that cannot be read or created ends the start with one line.
      const signingSecrets = RegistrySigningSecrets.open();
      const refreshAfterSeconds = process.env.MESHGATE_REGISTRY_KEY_REFRESH_SECONDS === undefined ? undefined : Number(process.env.MESHGATE_REGISTRY_KEY_REFRESH_SECONDS);
      if (refreshAfterSeconds !== undefined && !(Number.isInteger(refreshAfterSeconds) && refreshAfterSeconds >= 1 && refreshAfterSeconds <= 3600)) {
        throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'MESHGATE_REGISTRY_KEY_REFRESH_SECONDS', [
          `must be a whole number of seconds from 1 to 3600 (got ${JSON.stringify(process.env.MESHGATE_REGISTRY_KEY_REFRESH_SECONDS)})`,
        ]);
      }
      const store = await openRegistryStore(options.store ?? process.env.MESHGATE_REGISTRY_STORE);
      const registry = await Registry.open(store, { governance: readFileSync(config.governanceFile ?? DEFAULT_GOVERNANCE_PATH, 'utf8'), limits: config.limits });
      // The read-only pages are the gateway's catalog over the current build: schema/ may not import it, so it is wired in here.
      const pages = registryPages(registry);
      const server = await startRegistryServer({
        registry,
        tokens,
        port: options.port,
        host: options.host,
        maxBodyBytes: config.maxBodyBytes,
        pages: pages.render,
        routes: signingKeyRoutes(signingSecrets, { refreshAfterSeconds }),
      });
      const kind = /^postgres(ql)?:/.test(options.store ?? '') ? 'postgres' : (options.store ?? DEFAULT_REGISTRY_FILE);
      console.log(`meshgate registry ready at ${server.url} (store: ${kind}, ${tokens.size} tokens, product signing keys derived from ${signingSecrets.source})`);
      onShutdownSignal(async () => {
        await server.close();
        pages.close();
        await registry.close();
      });
    });
  registry
    .command('import')
    .description('Seed an empty registry with a mesh kept in one repository: its published baselines become build 1 (a platform token)')
    .requiredOption('--registry <url>', 'the registry')
    .option('--root <dir>', 'the mesh whose schema/published/ baselines to import (default: the current folder)', '.')
    .option('--token <token>', 'a platform token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (options: RegistryClientOptions & { root: string }) => {
      const [{ meshPaths }, { readProductRepository }, { RegistryRequestError }] = await Promise.all([
        import('../../schema/contracts/mesh.ts'),
        import('../../schema/registry/product-repository.ts'),
        import('../../schema/registry/registry-client.ts'),
      ]);
      const published = meshPaths(options.root).published;
      if (!existsSync(published)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, published, ['no published baselines here: pass the mesh with --root']);
      const products = readdirSync(published, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => readProductRepository(join(published, entry.name), entry.name));
      const started = performance.now();
      try {
        const result = await (await registryClient(options)).importMesh(products);
        console.log(`imported ${result.products} products from ${published}: build ${result.build}`);
      } catch (error) {
        if (!(error instanceof RegistryRequestError) || error.findings.length === 0) throw error;
        console.error(formatReport({ ok: false, products: [], findings: error.findings, durationMs: Math.round(performance.now() - started) }));
        console.error(`${error.code}: ${error.message}`);
        process.exitCode = 1;
      }
    });
  const approvals = registry.command('approvals').description('Governed changes (access weakened, coordinates taken over): list them, approve or reject one (a platform or steward token)');
  approvals
    .command('list', { isDefault: true })
    .description('List governed changes, pending and decided')
    .requiredOption('--registry <url>', 'the registry')
    .option('--status <status>', 'pending, decided or all', 'all')
    .option('--token <token>', 'a registry token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (options: RegistryClientOptions & { status: string }) => {
      if (!['pending', 'decided', 'all'].includes(options.status))
        throw new ConfigError(MeshErrorCode.CONFIG_INVALID, '--status', [`must be pending, decided or all (got ${JSON.stringify(options.status)})`]);
      const list = await (await registryClient(options)).approvals(options.status as 'pending' | 'decided' | 'all');
      if (list.length === 0) console.log(`no ${options.status === 'all' ? '' : `${options.status} `}governed changes`);
      for (const a of list) {
        const decided = a.status === 'pending' ? 'pending' : `${a.status} by ${a.decidedBy} (${a.decidedAs}) at ${a.decidedAt}: ${a.reason}`;
        console.log(`#${a.id} ${a.product} ${a.version ?? '?'}  asked by ${a.requestedBy} at ${a.requestedAt}  ${decided}`);
        for (const c of a.changes) console.log(`    ${c.change}  ${c.rule}  ${c.element}: ${c.message}`);
      }
    });
  for (const verb of ['approve', 'reject'] as const) {
    approvals
      .command(verb)
      .description(verb === 'approve' ? 'Approve a pending request: the same publish then goes through' : 'Reject a pending request: it stays on record')
      .argument('<id>', 'the request number (from `meshgate registry approvals` or the refused publish)')
      .requiredOption('--reason <text>', 'why: kept on record with who decided and when')
      .requiredOption('--registry <url>', 'the registry')
      .option('--token <token>', "a platform or steward token, or the owning product's for a takeover (default: MESHGATE_REGISTRY_TOKEN)")
      .action(async (id: string, options: RegistryClientOptions & { reason: string }) => {
        const decided = await (await registryClient(options)).decide(id, verb, options.reason);
        console.log(`request ${decided.id} (${decided.product} ${decided.version ?? '?'}, ${decided.changes.length} governed changes) ${decided.status} by ${decided.decidedBy}`);
      });
  }
  registry
    .command('rotate-signing-key')
    .description('Start signing with a new key: every product gets it from the registry, the previous key stays accepted until the next rotation (a platform token)')
    .requiredOption('--registry <url>', 'the registry')
    .option('--token <token>', 'a platform token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (options: RegistryClientOptions) => {
      await (await registryClient(options)).call('POST', '/v1/signing-keys/rotate');
      console.log('rotated: products and gateways fetch the new key within a minute, or on the first request signed with it; the previous key stays accepted until the next rotation');
    });
  registry
    .command('rollback')
    .description('Make an earlier build current again (a platform token)')
    .argument('<build>', 'the build number to restore')
    .requiredOption('--registry <url>', 'the registry')
    .option('--token <token>', 'a platform token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (build: string, options: RegistryClientOptions) => {
      const result = await (await registryClient(options)).rollback(build);
      console.log(`build ${result.build} is current: the supergraph of build ${result.rolledBackTo}`);
    });
}
