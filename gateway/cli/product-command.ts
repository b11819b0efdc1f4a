import type { Command } from 'commander';
import { createDataProduct } from '../../subgraphs/kit/create-data-product.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { onShutdownSignal } from './shutdown.ts';

export function registerProductCommand(program: Command): void {
  program
    .command('product')
    .description('Run one data product on its own port')
    .argument('<name>', `one of: ${DEMO_MESH.map((member) => member.name).join(', ')}`)
    .option('--port <port>', 'port to listen on (default: its demo port)', (value) => Number(value))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .action(async (name: string, options: { port?: number; host: string }) => {
      const member = DEMO_MESH.find((candidate) => candidate.name === name);
      if (!member) throw new Error(`Unknown product "${name}"; expected one of ${DEMO_MESH.map((m) => m.name).join(', ')}`);
      const product = await createDataProduct(member.definition);
      const running = await product.listen({ port: options.port ?? member.port, host: options.host });
      console.log(`${product.name} ${product.descriptor.version} serving at ${running.url}`);
      onShutdownSignal(() => product.close());
    });
}
