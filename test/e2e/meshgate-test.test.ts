import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runQualityTests } from '../../gateway/quality/quality-runner.ts';
import { durationToMs } from '../../schema/product/descriptor.ts';
import { isValidProduct, loadMesh } from '../../schema/contracts/mesh.ts';
import { MeshError } from '../../schema/protocol/error-codes.ts';
import { readWatermark } from '../../subgraphs/kit/watermark.ts';
import { runCli } from '../support/cli-process.ts';
import { ANALYST_SCOPES, startMesh, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * `meshgate test` as CI runs it: the real CLI, in a child process, against a real gateway in
 * front of the demo products over HTTP. The README's commands run as written (with this
 * gateway, this token and a clock that keeps the demo stores within their SLAs); the
 * fixture's rules fail on the seeded data; every refusal ends in one line with its code.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/meshgate.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = /^## Test the data against its contract\n([\s\S]*?)(?=^## )/m.exec(README)?.[1] ?? '';
const VIOLATING = join(ROOT, 'test/fixtures/quality/violating');
const PRODUCTS = loadMesh().products.filter(isValidProduct);

/** The `npx meshgate …` lines of the section's `sh` block, comments dropped, as argument lists. */
function readmeCommands(): string[][] {
  const block = /^```sh\n([\s\S]*?)^```/m.exec(SECTION)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx meshgate '))
    .map((line) => line.replace(/^npx meshgate /, '').split(/\s+/));
}

interface Run {
  code: number | null;
  output: string;
}

async function run(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const cli = runCli(args, env, { cwd, script: CLI });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

let mesh: MeshHarness;
let work: string;
let env: Record<string, string>;
/** The latest time every demo product is still within its SLA: the demo stores were seeded whenever they were. */
let now: string;
const runs = new Map<string, Run>();

beforeAll(async () => {
  mesh = await startMesh();
  work = mkdtempSync(join(tmpdir(), 'meshgate-test-'));
  const deadlines = await Promise.all(PRODUCTS.map(async (product) => Date.parse((await readWatermark(mesh.products[product.name]!.product.store))!) + durationToMs(product.descriptor.sla.freshness)));
  now = new Date(Math.min(...deadlines)).toISOString();
  env = { MESHGATE_TEST_GATEWAY: mesh.gateway.url, MESHGATE_TEST_TOKEN: await mesh.token({ scope: ANALYST_SCOPES }) };

  // A descriptor whose rule is malformed: an operator range upside down.
  const malformed = join(work, 'malformed');
  mkdirSync(join(malformed, 'subgraphs/sales'), { recursive: true });
  copyFileSync(join(VIOLATING, 'subgraphs/sales/schema.graphql'), join(malformed, 'subgraphs/sales/schema.graphql'));
  const descriptor = parseYaml(readFileSync(join(VIOLATING, 'subgraphs/sales/product.yaml'), 'utf8'));
  descriptor.fields['Order.status'].quality = [{ metric: 'invalidValues', arguments: { validValues: ['PLACED'] }, mustBeBetween: [5, 1] }];
  writeFileSync(join(malformed, 'subgraphs/sales/product.yaml'), JSON.stringify(descriptor));

  const cases: [string, string[], Record<string, string>][] = [
    ...readmeCommands().map((args): [string, string[], Record<string, string>] => [`readme: ${args.join(' ')}`, args[0] === 'test' ? [...args, '--now', now] : args, env]),
    ['violating', ['test', 'sales', '--root', VIOLATING, '--json', '--junit', 'violating.xml', '--now', now], env],
    ['bad token', ['test', 'sales', '--now', now, '--junit', 'bad-token.xml'], { ...env, MESHGATE_TEST_TOKEN: 'not-a-token' }],
    ['unknown product', ['test', 'no-such-product'], env],
    ['malformed rule', ['test', '--root', malformed], env],
    ['help', ['test', '--help'], env],
  ];
  // One batch: each child pays for loading TypeScript, and they wait on the same gateway.
  const outcomes = await Promise.all(cases.map(([, args, caseEnv]) => run(args, caseEnv, work)));
  for (const [index, [name]] of cases.entries()) runs.set(name, outcomes[index]!);
}, 90_000);

afterAll(async () => {
  await mesh?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function outcome(name: string): Run {
  const found = runs.get(name);
  if (!found) throw new Error(`no run named ${name}; ran ${[...runs.keys()].join(', ')}`);
  return found;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase' });

describe('meshgate test on the demo mesh', () => {
  it('the README shows every command this test runs: test (all products, one product with --json and --junit) and export odcs', () => {
    expect(readmeCommands().map((args) => args.slice(0, 2).join(' '))).toEqual(['test', 'test sales', 'export odcs']);
  });

  it("the README's rules are the ones subgraphs/sales/product.yaml declares", () => {
    const shown = parseYaml(/^```yaml\n([\s\S]*?)^```/m.exec(SECTION)?.[1] ?? '') as { fields: Record<string, unknown>; types: Record<string, unknown> };
    const sales = parseYaml(readFileSync(join(ROOT, 'subgraphs/sales/product.yaml'), 'utf8')) as typeof shown;
    expect(Object.keys(shown.fields).length + Object.keys(shown.types).length).toBeGreaterThan(0);
    for (const coordinate of Object.keys(shown.fields)) expect(shown.fields[coordinate], coordinate).toEqual(sales.fields[coordinate]);
    for (const typeName of Object.keys(shown.types)) expect(shown.types[typeName], typeName).toEqual(sales.types[typeName]);
  });

  it('passes on every product of the demo, exit 0, with the summary meshgate check prints', () => {
    const { code, output } = outcome('readme: test');
    expect(output).toContain(`meshgate test: ${PRODUCTS.length} products pass every rule`);
    expect(code, output).toBe(0);
  });

  it('--json reports every rule that ran on sales, none failed; --junit writes one passing testcase per rule', () => {
    const { code, output } = outcome('readme: test sales --json --junit quality.xml');
    expect(code, output).toBe(0);
    const report = JSON.parse(output);
    expect(report).toMatchObject({ ok: true, findings: [], products: [{ name: 'sales', ok: true }] });
    const sales = PRODUCTS.find((product) => product.name === 'sales')!.descriptor;
    // Every declared rule ran (text rules are for people and never run), and the SLA's latency on top.
    const rules: { type?: string }[] = [...Object.values(sales.fields).flatMap((policy) => policy.quality ?? []), ...Object.values(sales.types).flatMap((type) => type.quality ?? [])];
    const declared = rules.filter((rule) => rule.type !== 'text').length;
    expect(report.results).toHaveLength(declared + 1);
    expect(report.results.map((result: { rule: string }) => result.rule)).toContain('quality/latency');
    const junit = xml.parse(readFileSync(join(work, 'quality.xml'), 'utf8'));
    expect(junit.testsuites).toMatchObject({ tests: String(declared + 1), failures: '0' });
    expect(junit.testsuites.testsuite.map((suite: { name: string }) => suite.name)).toEqual(['sales']);
    expect(junit.testsuites.testsuite[0].testcase.every((testcase: { failure?: unknown }) => testcase.failure === undefined)).toBe(true);
  });

  it('export odcs names the gateway it is given as the api server', () => {
    const { code, output } = outcome('readme: export odcs sales --gateway https://data.example.com/graphql');
    expect(code, output).toBe(0);
    expect(parseYaml(output).servers).toEqual([expect.objectContaining({ type: 'api', location: 'https://data.example.com/graphql' })]);
  });
});

describe('meshgate test on rules the seeded data breaks', () => {
  it('exits 1 with a finding per broken rule, and the rule that holds passes', () => {
    const { code, output } = outcome('violating');
    expect(code, output).toBe(1);
    const report = JSON.parse(output);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([
      expect.objectContaining({
        product: 'sales',
        element: 'Order',
        rule: 'quality/row-count',
        code: 'QUALITY_RULE_FAILED',
        message: expect.stringMatching(/^rowCount of Order is \d+ \(Query\.orders totalCount\); it must be at most 50000$/),
      }),
      expect.objectContaining({
        product: 'sales',
        element: 'Order.status',
        rule: 'quality/invalid-values',
        code: 'QUALITY_RULE_FAILED',
        message: expect.stringMatching(/^invalidValues of Order\.status is [1-9]\d* rows over 200 rows read through Query\.orders; it must be 0$/),
      }),
    ]);
    expect(report.results.find((result: { element: string }) => result.element === 'Order.id')).toMatchObject({ rule: 'quality/duplicate-values', measured: 0, ok: true });
  });

  it('--junit marks exactly the broken rules as failures, with the finding as message', () => {
    const junit = xml.parse(readFileSync(join(work, 'violating.xml'), 'utf8'));
    const cases = junit.testsuites.testsuite[0].testcase as { name: string; failure?: { type: string; message: string } }[];
    expect(junit.testsuites.failures).toBe('2');
    expect(cases.filter((testcase) => testcase.failure).map((testcase) => [testcase.name.split(' ')[0], testcase.failure!.type])).toEqual([
      ['types.Order.quality[0]', 'quality/row-count'],
      ['fields.Order.status.quality[0]', 'quality/invalid-values'],
    ]);
    expect(cases.find((testcase) => testcase.failure?.type === 'quality/invalid-values')!.failure!.message).toMatch(/^invalidValues of Order\.status is \d+ rows/);
  });
});

describe('meshgate test refuses in one line, with a code', () => {
  it('a token the gateway does not accept: UNAUTHENTICATED', () => {
    const result = outcome('bad token');
    expect(result.code).toBe(1);
    expect(result.output.trim()).toMatch(/^UNAUTHENTICATED: the gateway refused sales: the rows of \w+ \(Query\.\w+\): .+; pass a valid token with --token or MESHGATE_TEST_TOKEN$/);
    // --junit still writes its file: CI shows the refusal as the run's one error.
    const junit = xml.parse(readFileSync(join(work, 'bad-token.xml'), 'utf8'));
    expect(junit.testsuites).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    expect(junit.testsuites.testsuite[0].testcase[0].error).toMatchObject({ type: 'UNAUTHENTICATED', message: expect.stringContaining('pass a valid token') });
  });

  it('--help names MESHGATE_TEST_TOKEN without printing the token it holds', () => {
    const result = outcome('help');
    expect(result.code).toBe(0);
    expect(result.output).toContain('$MESHGATE_TEST_TOKEN');
    expect(result.output).not.toContain(env.MESHGATE_TEST_TOKEN!);
  });

  it('no token, for rules that read confidential fields: FORBIDDEN_FIELD, not a finding', async () => {
    // In process: the CLI prints any MeshError as "CODE: message", as the bad-token run shows.
    const error = await runQualityTests({ gatewayUrl: mesh.gateway.url, product: 'sales', now: () => Date.parse(now) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('FORBIDDEN_FIELD');
    expect((error as MeshError).message).toMatch(/^the gateway refused sales: .+; use a token whose scopes cover every field the rules read$/);
    expect((error as MeshError).message).not.toContain('\n');
  });

  it('an unknown product: CONFIG_INVALID naming the products there are', () => {
    const result = outcome('unknown product');
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(`CONFIG_INVALID: unknown product "no-such-product"; expected one of ${PRODUCTS.map((product) => product.name).join(', ')}`);
  });

  it('a malformed rule: DESCRIPTOR_INVALID with the path of the rule, before anything is sent', () => {
    const result = outcome('malformed rule');
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^DESCRIPTOR_INVALID: .*subgraphs\/sales\/product\.yaml is invalid:$/m);
    expect(result.output).toContain('fields.Order.status.quality.0.mustBeBetween: must be [low, high] with low < high (got [5,1])');
  });
});
