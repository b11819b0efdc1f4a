import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { readmeShellBlocks, substituted } from '../support/readme-shell.ts';

/**
 * The README's governed-change commands (item 7 of "Run a mesh of many repositories"), run
 * as written through bin/meshgate.js against a registry started by `meshgate registry serve`
 * on its embedded store, with the tokens the README names: a product team's publish that
 * weakens access is refused with the request's number, a steward lists, approves and
 * rejects, and the approved publish then goes through.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'meshgate.js');
const PRODUCT = 'customers';
const SECTION = 'Run a mesh of many repositories';
const COMMANDS = readmeShellBlocks(SECTION).find((block) => block.some((line) => line.startsWith('npx meshgate registry approvals ')));
const TOKENS = { platform: randomBytes(16).toString('hex'), steward: randomBytes(16).toString('hex'), product: randomBytes(16).toString('hex') };
const work = mkdtempSync(join(tmpdir(), 'registry-approvals-'));
const repo = join(work, `${PRODUCT}-repo`);
const processes: CliProcess[] = [];
let registryUrl = '';
const used = new Set<string>();

const baseline = {
  descriptor: readFileSync(join(ROOT, 'schema', 'published', PRODUCT, 'product.yaml'), 'utf8'),
  sdl: readFileSync(join(ROOT, 'schema', 'published', PRODUCT, 'schema.graphql'), 'utf8'),
};
const nextVersion = baseline.descriptor.replace(/^version: (\S+)$/m, (_, v: string) => `version: ${inc(v, 'patch')}`);

/** The product's repository in one state: the baseline with one SDL edit, at the next patch version. */
function repoState(from: RegExp, to: string): void {
  const sdl = baseline.sdl.replace(from, to);
  expect(sdl).not.toBe(baseline.sdl);
  writeFileSync(join(repo, 'schema.graphql'), sdl);
  writeFileSync(join(repo, 'product.yaml'), nextVersion);
}
const dropBillingAuth = () => repoState(/(billingCountry: String) @authenticated/, '$1');
const dropNameScopes = () => repoState(/(fullName: String) @requiresScopes\(scopes: \[\["pii:read"\]\]\)/, '$1');

async function run(args: string[], token: string, cwd = work): Promise<{ code: number | null; output: string }> {
  const child = runCli(args, { MESHGATE_REGISTRY_TOKEN: token }, { cwd, script: CLI });
  processes.push(child);
  return { code: await child.exited, output: child.output() };
}

/** A README line of the block, as arguments, with the README's registry URL replaced by this run's. */
function readme(start: string): string[] {
  const line = COMMANDS?.find((candidate) => candidate.startsWith(`npx meshgate registry approvals ${start}`));
  expect(line, `README shows "npx meshgate registry approvals ${start}..."`).toBeDefined();
  used.add(line!);
  // The shell's quoting: "a b" is one argument.
  const args = [...substituted(line!, [['http://localhost:4100', registryUrl]]).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  return args.slice(2);
}

describe('governed changes and approvals, as the README shows them', () => {
  beforeAll(async () => {
    mkdirSync(repo);
    const monorepo = join(work, 'mesh');
    cpSync(join(ROOT, 'schema', 'published', PRODUCT), join(monorepo, 'schema', 'published', PRODUCT), { recursive: true });
    const registry = runCli(
      ['registry', 'serve', '--port', '0'],
      {
        MESHGATE_REGISTRY_PLATFORM_TOKEN: TOKENS.platform,
        MESHGATE_REGISTRY_STEWARD_TOKEN: TOKENS.steward,
        [`MESHGATE_REGISTRY_PRODUCT_TOKEN_${PRODUCT.toUpperCase()}`]: TOKENS.product,
      },
      { cwd: work, script: CLI },
    );
    processes.push(registry);
    registryUrl = await registry.waitFor(/registry ready at (http:\/\/\S+)/);
    const imported = await run(['registry', 'import', '--root', monorepo, '--registry', registryUrl], TOKENS.platform);
    expect(imported.code, imported.output).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  it('a publish that weakens access exits 1 with the finding and the request to decide; each change gets its request', async () => {
    dropBillingAuth();
    const first = await run(['publish', PRODUCT, '--registry', registryUrl, '--dir', repo], TOKENS.product);
    expect(first.code, first.output).toBe(1);
    expect(first.output).toContain('✗ access/weakened  Customer.billingCountry');
    expect(first.output).toContain('GOVERNED_CHANGE_UNAPPROVED: customers makes governed changes without an approval; nothing was published. Approval request 1 is pending');
    expect(first.output).toContain('meshgate registry approvals approve 1 --reason');
    dropNameScopes();
    const second = await run(['publish', PRODUCT, '--registry', registryUrl, '--dir', repo], TOKENS.product);
    expect(second.output).toContain('Approval request 2 is pending');
  });

  it('a steward lists the pending requests, approves one and rejects the other, with reasons', async () => {
    const pending = await run(readme('--status pending'), TOKENS.steward);
    expect(pending.code, pending.output).toBe(0);
    expect(pending.output).toMatch(/^#1 customers \S+ {2}asked by customers-team at \S+ {2}pending$/m);
    expect(pending.output).toMatch(/^#2 customers /m);
    expect(pending.output).toContain('access/weakened  Customer.fullName');
    // A product token never approves.
    const byProduct = await run(readme('approve'), TOKENS.product);
    expect(byProduct.code).toBe(1);
    expect(byProduct.output).toContain('REGISTRY_FORBIDDEN');
    const approve = await run(readme('approve'), TOKENS.steward);
    expect(approve.code, approve.output).toBe(0);
    expect(approve.output).toMatch(/^request 1 \(customers \S+, 1 governed changes\) approved by steward$/m);
    const reject = await run(readme('reject'), TOKENS.steward);
    expect(reject.code, reject.output).toBe(0);
    expect(reject.output).toContain('rejected by steward');
  });

  it('the approved publish goes through; the rejected one stays refused; the decisions are on record', async () => {
    dropNameScopes();
    const rejected = await run(['publish', PRODUCT, '--registry', registryUrl, '--dir', repo], TOKENS.product);
    expect(rejected.code).toBe(1);
    expect(rejected.output).toContain('GOVERNED_CHANGE_UNAPPROVED');
    dropBillingAuth();
    const approved = await run(['publish', PRODUCT, '--registry', registryUrl, '--dir', repo], TOKENS.product);
    expect(approved.code, approved.output).toBe(0);
    expect(approved.output).toMatch(/published customers \S+ to \S+: build 2/);
    const all = await run(['registry', 'approvals', '--registry', registryUrl], TOKENS.steward);
    expect(all.output).toMatch(/^#1 customers \S+ {2}asked by customers-team at \S+ {2}approved by steward \(steward\) at \S+: Country codes are reference data \(DPO-4411\)$/m);
    expect(all.output).toMatch(/^#2 .* {2}rejected by steward \(steward\) at \S+: Names stay personal data$/m);
  });

  it('ran every command of the README block', () => {
    expect([...used].sort()).toEqual([...(COMMANDS ?? [])].sort());
  });
});
