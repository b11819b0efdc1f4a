import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

/**
 * `demoProducts`: the demo mesh's product names, for the argument's help. Loading them loads
 * every demo product, seconds of start-up, so the CLI gives them only where that help can be
 * printed (`product --help`, `help product`, or a product run); the list of all commands
 * prints no argument's help and passes none.
 */
export function registerProductCommand(program: Command, demoProducts?: readonly string[]): void {
  program
    .command('product')
    .description('Run one data product on its own port')
    .argument('<name>', `${demoProducts ? `one of: ${demoProducts.join(', ')}` : 'a demo product'}, or a declared product in subgraphs/`)
    .option('--port <port>', 'port to listen on (default: its demo port)', (value) => Number(value))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .action(async (name: string, options: { port?: number; host: string }) => {
      const [{ DECLARATION_FILE }, { meshPaths }, { createDataProduct }, { declaredProduct }, { DEMO_MESH }, { onShutdownSignal }] = await Promise.all([
        import('../../schema/product/declaration.ts'),
        import('../../schema/contracts/mesh.ts'),
        import('../../subgraphs/kit/create-data-product.ts'),
        import('../../subgraphs/kit/declared/declared-product.ts'),
        import('../../subgraphs/demo-mesh.ts'),
        import('./shutdown.ts'),
      ]);
      const member = DEMO_MESH.find((candidate) => candidate.name === name);
      // A declared product (meshgate new --from) needs no entry in the demo mesh: its folder is all there is.
      const declaredDir = join(meshPaths().subgraphs, name);
      const declared = !member && /^[a-z][a-z0-9-]*$/.test(name) && existsSync(join(declaredDir, DECLARATION_FILE));
      if (!member && !declared) throw new Error(`Unknown product "${name}"; expected one of ${DEMO_MESH.map((m) => m.name).join(', ')}, or a folder subgraphs/${name}/ with ${DECLARATION_FILE}`);
      if (!member && options.port === undefined) throw new Error(`${name}: give it a --port (only the demo products have one of their own)`);
      const product = await createDataProduct(member ? member.definition : declaredProduct({ dir: declaredDir }));
      const running = await product.listen({ port: options.port ?? member!.port, host: options.host });
      console.log(`${product.name} ${product.descriptor.version} serving at ${running.url}`);
      onShutdownSignal(() => product.close());
    });
}
