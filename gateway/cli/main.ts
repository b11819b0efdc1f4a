import { Command } from 'commander';
import { ConfigError, MeshError } from '../error-codes.ts';
import { registerCheckCommand } from './check-command.ts';
import { registerComposeCommand } from './compose-command.ts';
import { registerExportCommand } from './export-command.ts';
import { registerLineageCommand } from './lineage-command.ts';
import { registerNewCommand } from './new-command.ts';
import { registerProductCommand } from './product-command.ts';
import { registerPublishCommand } from './publish-command.ts';
import { registerSeedCommand } from './seed-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerStartCommand } from './start-command.ts';
import { registerTokenCommand } from './token-command.ts';

const program = new Command()
  .name('meshgate')
  .description('A GraphQL federation gateway for composite data products in a data mesh')
  .showHelpAfterError();

registerStartCommand(program);
registerTokenCommand(program);
registerServeCommand(program);
registerComposeCommand(program);
registerSeedCommand(program);
registerProductCommand(program);
registerCheckCommand(program);
registerPublishCommand(program);
registerLineageCommand(program);
registerExportCommand(program);
registerNewCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Config and contract errors are the user's to fix: print them plainly, without a stack.
  if (error instanceof ConfigError || error instanceof MeshError) {
    console.error(error instanceof MeshError ? `${error.code}: ${error.message}` : error.message);
    process.exit(1);
  }
  throw error;
}
