import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CheckReport } from '../../schema/contracts/check.ts';
import { MESH, type Finding } from '../../schema/contracts/finding.ts';
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
  const [{ readProductRepository }, { safeParseDescriptor }] = await Promise.all([import('../../schema/registry/product-repository.ts'), import('../../schema/product/descriptor.ts')]);
  const candidate = readProductRepository(options.dir);
  const outcome = await (await registryClient(options)).check(candidate);
  const findings = inRepository(outcome.findings, candidate.product, options.dir ?? '.');
  const parsed = safeParseDescriptor(candidate.descriptor);
  const descriptor = parsed.ok ? parsed.descriptor : undefined;
  return {
    ok: outcome.ok,
    products: [{ name: candidate.product, version: descriptor?.version, status: descriptor?.status, ok: outcome.ok }],
    findings,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * A report's products, sorted by what was run on them. A product no rule ran on neither
 * passes nor fails: a retired one (nothing is promised about it any more) and, in a report
 * of rule results (`meshgate test`), one that declares no rule.
 */
function tally(report: CheckReport & { results?: readonly { product: string }[] }): { checked: number; failing: string[]; unchecked: string[] } {
  const unchecked = report.products.filter((p) => p.status === 'retired' || (report.results !== undefined && !report.results.some((r) => r.product === p.name))).map((p) => p.name);
  const checked = report.products.filter((p) => !unchecked.includes(p.name));
  // A refusal the registry sent lists findings only: their products are the ones that fail.
  const failing = [...new Set([...checked.filter((p) => !p.ok).map((p) => p.name), ...report.findings.map((f) => f.product)])];
  return { checked: Math.max(checked.length, failing.filter((name) => name !== MESH).length), failing, unchecked };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The report as text: failures grouped by product, then one summary line named for the command that ran. */
export function formatReport(report: CheckReport & { results?: readonly { product: string }[] }, command = 'meshgate check'): string {
  const lines: string[] = [];
  const products = [...new Set(report.findings.map((f) => f.product))];
  for (const product of products) {
    lines.push(product);
    for (const f of report.findings.filter((candidate) => candidate.product === product)) {
      lines.push(`  ✗ ${f.rule}  ${f.element}`, `    ${f.message}`, `    fix: ${f.fix}`);
    }
    lines.push('');
  }
  const { checked, failing, unchecked } = tally(report);
  const notChecked = unchecked.length ? `; not checked: ${unchecked.join(', ')} (${report.results ? 'no rules declared' : 'retired'})` : '';
  const failingProducts = failing.filter((name) => name !== MESH).length;
  const took = `(${report.durationMs} ms)`;
  if (report.ok) lines.push(`${command}: ${plural(checked, 'product')} ${checked === 1 ? 'passes' : 'pass'} every rule${notChecked} ${took}`);
  // A refusal the registry sent names no product list: say whose the failures are.
  else if (report.products.length === 0) {
    const named = failing.filter((name) => name !== MESH);
    const whose = [...(named.length ? [named.join(', ')] : []), ...(failing.includes(MESH) ? ['the mesh as a whole'] : [])].join(' and ');
    lines.push(`${command}: ${plural(report.findings.length, 'failure')} in ${whose} ${took}`);
  } else
    lines.push(
      `${command}: ${plural(report.findings.length, 'failure')}; ${failingProducts} of ${plural(checked, 'product')} fail${failing.includes(MESH) ? ', and the mesh as a whole' : ''}${notChecked} ${took}`,
    );
  return lines.join('\n');
}

/**
 * The registry checks a product laid out in a mesh folder of its own, so its fix hints name
 * `subgraphs/<product>/product.yaml`; in the product's repository the file is `dir/product.yaml`.
 * Names the files where the team has them, relative to where the command runs.
 */
export function inRepository(findings: readonly Finding[], product: string, dir: string): Finding[] {
  const laidOut = new RegExp(`(?:\\S*/)?subgraphs/${product.replace(/[^a-z0-9-]/g, '')}/(product\\.yaml|schema\\.graphql)`, 'g');
  const real = (_: string, file: string) => relative(process.cwd(), join(resolve(dir), file)) || file;
  return findings.map((f) => ({ ...f, element: f.element.replace(laidOut, real), message: f.message.replace(laidOut, real), fix: f.fix.replace(laidOut, real) }));
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
      const { runCheck } = await import('../../schema/contracts/check.ts');
      const usage = options.usage ? (await import('../observability/field-usage-store.ts')).openUsageStore(options.usage, 0) : undefined;
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
