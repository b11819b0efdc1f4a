import type { Command } from 'commander';
import type { DevCommandOptions } from './dev-session.ts';

/**
 * `meshgate dev`: a product team's loop, like `rover dev`. The working copy of the product in
 * this folder is composed with the rest of the mesh (a mesh folder or a registry's current
 * mesh) and served by a local gateway; every save recomposes, reloads the gateway (a
 * supergraph that does not compose is not served: the last good one keeps serving) and
 * prints what `meshgate check` finds, so a breaking edit is seen before it is published.
 */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description("Run your product's working copy beside the mesh in a local gateway; recompose and check on every save")
    .option('--url <url>', 'where your product is running, e.g. http://localhost:4010/graphql')
    .option('--run <command>', 'or: the command that serves your product (e.g. "node server.js"), run on a free PORT and restarted on every save')
    .option('--dir <folder>', 'the product folder: product.yaml and schema.graphql', '.')
    .option('--root <dir>', 'run beside this mesh folder (subgraphs/, schema/governance.yaml, schema/published/)')
    .option('--registry <url>', "run beside this registry's current mesh")
    .option('--token <token>', 'the registry token (default: MESHGATE_REGISTRY_TOKEN)')
    .option('--port <port>', 'the local gateway port (default: 4000, or a free one when 4000 is taken; 0 picks a free one)', (value) => Number(value))
    .option('--today <date>', 'check sunsets against this day, YYYY-MM-DD (default: today)')
    .action(async (options: DevCommandOptions) => {
      const [{ startDevSession }, { onShutdownSignal }] = await Promise.all([import('./dev-session.ts'), import('./shutdown.ts')]);
      const session = await startDevSession(options);
      onShutdownSignal(() => session.close());
    });
}
