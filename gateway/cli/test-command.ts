import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LOCAL_GATEWAY_URL } from '../../schema/exports/export-defaults.ts';
import { ConfigError, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { formatReport } from './check-command.ts';

/** Options of `meshgate test`. */
export interface TestCommandOptions {
  /**
   * The gateway's GraphQL URL: rules are read through it, as a consumer reads.
   * @default $MESHGATE_TEST_GATEWAY, else http://localhost:4000/graphql
   */
  gateway: string;
  /**
   * The bearer token the rules are read with: its scopes must cover every field a rule reads.
   * @default $MESHGATE_TEST_TOKEN; anonymous without one
   */
  token?: string;
  /** Print the report as JSON instead of text. @default false */
  json?: boolean;
  /** Also write the results as JUnit XML to this file, for CI. */
  junit?: string;
  /** The mesh whose descriptors hold the rules. @default the repository */
  root?: string;
  /**
   * Judge latency as of this time (ISO 8601) instead of now.
   * @example "2026-11-30T12:00:00Z"
   */
  now?: string;
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description("Run products' quality rules (product.yaml) against their live data, through the gateway")
    .argument('[product]', 'test this product only (default: every product)')
    .option('--gateway <url>', "the gateway's GraphQL URL", process.env.MESHGATE_TEST_GATEWAY ?? LOCAL_GATEWAY_URL)
    // The environment's token is read in the action, not given as commander's default: --help prints defaults.
    .option('--token <jwt>', 'the bearer token to read with (default: $MESHGATE_TEST_TOKEN; anonymous without)')
    .option('--json', 'print the report as JSON')
    .option('--junit <file>', 'also write the results as JUnit XML to this file')
    .option('--root <dir>', 'the mesh whose descriptors hold the rules (default: this repository)')
    .option('--now <time>', 'judge latency as of this time, ISO 8601 (default: now)')
    .action(async (product: string | undefined, options: TestCommandOptions) => {
      const at = options.now === undefined ? undefined : Date.parse(options.now);
      if (at !== undefined && Number.isNaN(at)) throw new MeshError(MeshErrorCode.CONFIG_INVALID, `--now must be an ISO 8601 time such as 2026-11-30T12:00:00Z (got ${JSON.stringify(options.now)})`);
      const [{ toJunitErrorXml, toJunitXml }, { runQualityTests }] = await Promise.all([import('../quality/junit-report.ts'), import('../quality/quality-runner.ts')]);
      const report = await runQualityTests({
        gatewayUrl: options.gateway,
        token: (options.token ?? process.env.MESHGATE_TEST_TOKEN) || undefined,
        product,
        root: options.root,
        now: at === undefined ? undefined : () => at,
      }).catch((error: unknown) => {
        if (options.junit && (error instanceof MeshError || error instanceof ConfigError)) writeFileSync(options.junit, toJunitErrorXml(error.code, error.message));
        throw error;
      });
      if (options.junit) writeFileSync(options.junit, toJunitXml(report));
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report, 'meshgate test'));
      process.exitCode = report.ok ? 0 : 1;
    });
}
