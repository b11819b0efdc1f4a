import type { Command } from 'commander';
import { runCheck, type CheckReport } from '../../schema/check.ts';
import { openUsageStore } from '../observability/field-usage-store.ts';

/** Options of `meshgate check`. */
export interface CheckCommandOptions {
  /** Print the report as JSON instead of text. @default false */
  json?: boolean;
  /** The mesh to check. @default the repository */
  root?: string;
  /** Check sunsets against this day (`YYYY-MM-DD`). @default today (UTC) */
  today?: string;
  /**
   * Field usage recorded by the gateway: a JSON-lines file or a `postgres://` URL. A
   * deprecated field a client used within the deprecation window may not be removed.
   * @example ".meshgate/usage.jsonl"
   */
  usage?: string;
}

/** The report as text: failures grouped by product, then one summary line named for the command that ran. */
export function formatReport(report: CheckReport, command = 'meshgate check'): string {
  const lines: string[] = [];
  const products = [...new Set(report.findings.map((f) => f.product))];
  for (const product of products) {
    lines.push(product);
    for (const f of report.findings.filter((candidate) => candidate.product === product)) {
      lines.push(`  ✗ ${f.rule}  ${f.element}`, `    ${f.message}`, `    fix: ${f.fix}`);
    }
    lines.push('');
  }
  const count = report.products.length;
  const failing = report.products.filter((p) => !p.ok).length;
  lines.push(
    report.ok
      ? `${command}: ${count} products pass every rule (${report.durationMs} ms)`
      : `${command}: ${report.findings.length} failures; ${failing} of ${count} products fail (${report.durationMs} ms)`,
  );
  return lines.join('\n');
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('Check every product: descriptor, composition, lint, boundaries, compatibility, lineage')
    .option('--json', 'print the report as JSON')
    .option('--root <dir>', 'the mesh to check (default: this repository)')
    .option('--today <date>', 'check sunsets against this day, YYYY-MM-DD (default: today)')
    .option('--usage <file|url>', "the gateway's field usage: a JSON-lines file or a postgres:// URL")
    .action(async (options: CheckCommandOptions) => {
      const usage = options.usage ? openUsageStore(options.usage, 0) : undefined;
      const report = await runCheck({ root: options.root, today: options.today, usage }).finally(() => usage?.close());
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}
