import type { Command } from 'commander';
import type { CheckReport } from '../../schema/check.ts';
import { safeParseDescriptor } from '../../schema/descriptor.ts';
import { readProductRepository } from '../../schema/registry/product-repository.ts';
import { openUsageStore } from '../observability/field-usage-store.ts';
import { registryClient } from './registry-client-options.ts';

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
  /** Check the product in the current folder (or `dir`) against this registry's mesh instead. */
  registry?: string;
  /** With `registry`: the token (default: MESHGATE_REGISTRY_TOKEN). */
  token?: string;
  /** With `registry`: the product's folder. @default the current folder */
  dir?: string;
}

/** Checks a product from its own repository against the registry's current mesh and baselines. */
async function checkAgainstRegistry(options: CheckCommandOptions & { registry: string }): Promise<CheckReport> {
  const started = performance.now();
  const candidate = readProductRepository(options.dir);
  const outcome = await registryClient(options).check(candidate);
  const parsed = safeParseDescriptor(candidate.descriptor);
  const descriptor = parsed.ok ? parsed.descriptor : undefined;
  return {
    ok: outcome.ok,
    products: [{ name: candidate.product, version: descriptor?.version, status: descriptor?.status, ok: outcome.ok }],
    findings: outcome.findings,
    durationMs: Math.round(performance.now() - started),
  };
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
    .option('--registry <url>', "check the product in this folder against a registry's mesh instead")
    .option('--token <token>', "with --registry: the product's token (default: MESHGATE_REGISTRY_TOKEN)")
    .option('--dir <dir>', 'with --registry: the folder holding product.yaml and schema.graphql (default: the current one)')
    .action(async (options: CheckCommandOptions) => {
      if (options.registry) {
        const report = await checkAgainstRegistry({ ...options, registry: options.registry });
        console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
        process.exitCode = report.ok ? 0 : 1;
        return;
      }
      // Loaded here: a check against a registry runs none of the pipeline locally.
      const { runCheck } = await import('../../schema/check.ts');
      const usage = options.usage ? openUsageStore(options.usage, 0) : undefined;
      const report = await runCheck({ root: options.root, today: options.today, usage }).finally(() => usage?.close());
      // Declared products against their engines: not in schema/, which opens no store.
      const { checkDeclaredEngines } = await import('./declared-engine-check.ts');
      const engineFindings = await checkDeclaredEngines(options.root, (line) => console.error(line));
      if (engineFindings.length) {
        report.findings.push(...engineFindings);
        report.ok = false;
        for (const product of report.products) if (engineFindings.some((f) => f.product === product.name)) product.ok = false;
      }
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}
