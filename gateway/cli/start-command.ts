import type { Command } from 'commander';
import type { DataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { REPO_ROOT } from '../../schema/base/source-tree.ts';
import { SUPERGRAPH_FILE } from './compose-command.ts';
import { seedMesh } from './seed-command.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Start the demo mesh: every product on its own port, and the gateway')
    .option('--port <port>', 'gateway port; products listen on the next five ports', (value) => Number(value), 4000)
    .action(async (options: { port: number }) => {
      const [
        { createDataProduct },
        { DEMO_MESH },
        { loadGatewayConfig },
        { devAuthConfig, mintDevToken },
        { startGateway },
        { explorerBuilt },
        { prepareExplorer },
        { onShutdownSignal },
        { recordStartedMesh },
      ] = await Promise.all([
        import('../../subgraphs/kit/create-data-product.ts'),
        import('../../subgraphs/demo-mesh.ts'),
        import('../config-loader.ts'),
        import('../access/dev-identity.ts'),
        import('../create-gateway.ts'),
        import('../http/explorer/build-explorer.ts'),
        import('../http/explorer/serve-explorer.ts'),
        import('./shutdown.ts'),
        import('../onboarding/started-mesh.ts'),
      ]);
      console.log('meshgate: preparing embedded stores...');
      // A Postgres STORE_URL is seeded by `meshgate seed --store`, never implicitly.
      if (!process.env.STORE_URL) await seedMesh();
      const products: DataProduct[] = [];
      const stopAll = async () => {
        await Promise.allSettled(products.map((product) => product.close()));
      };
      try {
        const subgraphUrls: Record<string, string> = {};
        for (const [index, member] of DEMO_MESH.entries()) {
          const product = await createDataProduct(member.definition);
          products.push(product);
          const running = await product.listen({ port: options.port === 0 ? 0 : options.port + index + 1 });
          subgraphUrls[member.name] = running.url;
          console.log(`  product ${member.name.padEnd(18)} ${running.url}`);
        }
        // The committed supergraph names the default ports; point it at where the products really are.
        let config = loadGatewayConfig({ overrides: { port: options.port, supergraph: { file: SUPERGRAPH_FILE }, subgraphUrls } });
        // The demo trusts a development identity unless a real one is configured, so the
        // printed token unlocks the restricted and confidential fields in the explorer.
        const devIdentity = config.mode === 'development' && !config.auth.jwksUrl && !config.auth.publicKey;
        if (devIdentity) config = { ...config, auth: { ...config.auth, ...(await devAuthConfig(config.mode)) } };
        const gateway = await startGateway(config);
        // For `meshgate dev --root`: where this run's products are, whatever --port put them at.
        const forget = recordStartedMesh(REPO_ROOT, { gateway: gateway.url, products: subgraphUrls });
        console.log(`\nmeshgate gateway         ${gateway.url}`);
        const base = gateway.url.replace(/graphql$/, '');
        if (config.explorer) console.log(`GraphiQL (works offline) ${base}${explorerBuilt() ? '' : ' (first run: being built in the background)'}`);
        if (config.sandbox) console.log(`Apollo Sandbox (online)  ${base}sandbox`);
        if (config.catalog.enabled) console.log(`Data product catalog     ${base}catalog`);
        if (config.mcp.enabled) console.log(`MCP for AI agents        ${base}mcp`);
        if (devIdentity) {
          console.log('\nAnonymous requests see public and internal fields. For everything (scopes pii:read finance:read),');
          console.log(`send this header${config.explorer ? " (GraphiQL's Headers tab already holds one)" : ''}; npx meshgate token mints another:`);
          console.log(`Authorization: Bearer ${await mintDevToken()}`);
        }
        console.log('Press Ctrl-C to stop.');
        // After the gateway answers: installing and bundling GraphiQL takes some seconds on the first run only.
        if (config.explorer) prepareExplorer((line) => console.log(line));
        onShutdownSignal(
          async () => {
            forget();
            await gateway.close();
            await stopAll();
          },
          { withParent: true },
        );
      } catch (error) {
        await stopAll();
        throw error;
      }
    });
}
