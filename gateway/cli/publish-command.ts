import { relative } from 'node:path';
import type { Command } from 'commander';
import { publishProduct } from '../../schema/publish.ts';
import { formatReport } from './check-command.ts';

export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description("Record a product's current interface and version as its published baseline")
    .argument('<product>', 'the product to publish')
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--today <date>', 'check sunsets against this day, YYYY-MM-DD (default: today)')
    .action(async (name: string, options: { root?: string; today?: string }) => {
      const result = await publishProduct(name, options);
      if (!result.ok) {
        console.error(formatReport({ ok: false, products: [], findings: result.findings, durationMs: 0 }));
        console.error(`PUBLISH_REFUSED: ${result.product} fails meshgate check; nothing was published`);
        process.exitCode = 1;
        return;
      }
      console.log(`published ${result.product} ${result.version} to ${relative(process.cwd(), result.dir) || result.dir}`);
    });
}
