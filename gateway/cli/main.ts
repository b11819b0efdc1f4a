import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { REPO_ROOT } from '../../schema/base/source-tree.ts';

/**
 * Each command's module, in the order `meshgate --help` lists them. Only the command being
 * run is loaded: `meshgate serve` then loads the gateway alone, not the contract pipeline,
 * the product kit or DuckDB. In a gateway replica every module loaded stays in the heap,
 * and V8 lets the heap grow to a multiple of what it retains before collecting. A command's
 * module holds what help prints (description, arguments, options and their defaults) and
 * imports what it runs inside its action, so that help, which loads them all, loads none
 * of the gateway, the pipeline or the kit.
 */
const COMMANDS: Record<string, (alone: boolean) => Promise<(program: Command) => void>> = {
  start: async () => (await import('./start-command.ts')).registerStartCommand,
  token: async () => (await import('./token-command.ts')).registerTokenCommand,
  serve: async () => (await import('./serve-command.ts')).registerServeCommand,
  compose: async () => (await import('./compose-command.ts')).registerComposeCommand,
  seed: async () => (await import('./seed-command.ts')).registerSeedCommand,
  product: async (alone) => {
    const { registerProductCommand } = await import('./product-command.ts');
    // Its argument's help names the demo products, which takes loading them all: only when it is the command asked for.
    const demoProducts = alone ? (await import('../../subgraphs/demo-mesh.ts')).DEMO_MESH.map((member) => member.name) : undefined;
    return (program) => registerProductCommand(program, demoProducts);
  },
  check: async () => (await import('./check-command.ts')).registerCheckCommand,
  test: async () => (await import('./test-command.ts')).registerTestCommand,
  publish: async () => (await import('./publish-command.ts')).registerPublishCommand,
  registry: async () => (await import('./registry-command.ts')).registerRegistryCommand,
  access: async () => (await import('./access-command.ts')).registerAccessCommand,
  lineage: async () => (await import('./lineage-command.ts')).registerLineageCommand,
  export: async () => (await import('./export-command.ts')).registerExportCommand,
  new: async () => (await import('./new-command.ts')).registerNewCommand,
  init: async () => (await import('./init-command.ts')).registerInitCommand,
  dev: async () => (await import('./dev-command.ts')).registerDevCommand,
};

const program = new Command()
  .name('meshgate')
  .description('A GraphQL federation gateway for composite data products in a data mesh')
  .version((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version)
  .showHelpAfterError();

// A known command (or `help` and a known command) loads that command alone; anything else
// (`--help`, a typo) gets them all, for help and suggestions; `--version` needs none.
const [first, second] = process.argv.slice(2);
const requested = first === 'help' && second !== undefined ? second : first;
const alone = requested !== undefined && Object.hasOwn(COMMANDS, requested);
const commands = first === '--version' || first === '-V' ? [] : alone ? [COMMANDS[requested]!] : Object.values(COMMANDS);
for (const register of await Promise.all(commands.map((load) => load(alone)))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Loaded once something failed: whatever threw one of these has loaded it already.
  const { ConfigError, MeshError } = await import('../../schema/protocol/error-codes.ts');
  // Config and contract errors are the user's to fix: print them plainly, without a stack.
  if (error instanceof ConfigError || error instanceof MeshError) {
    console.error(error instanceof MeshError ? `${error.code}: ${error.message}` : error.message);
    process.exit(1);
  }
  // A port taken by another process is the user's to fix too: say which one and how to move.
  const { code, port, address } = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (code === 'EADDRINUSE') {
    console.error(`meshgate: port ${port} on ${address} is already in use; choose another with --port <port>`);
    process.exit(1);
  }
  throw error;
}
