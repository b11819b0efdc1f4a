import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productWith, startAgreementRegistry, type AgreementRegistry } from '../support/agreement-registry.ts';
import { readmeShellBlock, runShellLine, substituted } from '../support/readme-shell.ts';

/**
 * The README's "Access agreements" commands, run as written through `npx meshgate` against a
 * registry holding the demo mesh, each with the token the README says it takes; what the
 * README names is put in for this run: the registry's URL and a product with confidential
 * data. The term is the README's own (`--for`, counted from the day the test runs).
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const CONFIDENTIAL = productWith('confidential');
const CONSUMER = 'revenue-dashboard';

let dir: string;
let registry: AgreementRegistry;

async function run(line: string, token: string): Promise<string> {
  const command = substituted(line, [['http://localhost:4100', registry.server.url]]).replace(' sales ', ` ${CONFIDENTIAL} `);
  const child = runShellLine(command, { cwd: ROOT, env: { MESHGATE_REGISTRY_TOKEN: token } });
  const code = await child.exited;
  expect(code, `${command}\n${child.output()}`).toBe(0);
  return child.output();
}

/** The README's consumer, registered through the API unless its README line ran already: each test after the first stands alone. */
async function registered(): Promise<void> {
  const known = (await registry.call('GET', '/v1/consumers', registry.tokens.gateway!)).body as { name: string }[];
  if (known.some((c) => c.name === CONSUMER)) return;
  const answer = await registry.call('POST', '/v1/consumers', registry.tokens[`consumer:${CONSUMER}`]!, { name: CONSUMER, ownerTeam: 'finance-analytics', contact: 'finance-analytics@example.com' });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
}

describe('README: Access agreements', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readme-access-'));
    registry = await startAgreementRegistry(join(dir, 'registry.duckdb'), { consumers: [CONSUMER] });
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('register, request, approve, list and revoke run as written, each step kept', async () => {
    const [register, request, approve, list, revoke, ...rest] = readmeShellBlock('Access agreements');
    expect(rest).toEqual([]);
    const consumer = registry.tokens[`consumer:${CONSUMER}`]!;
    expect(await run(register!, consumer)).toContain(`registered consumer ${CONSUMER}`);
    expect(await run(request!, consumer)).toMatch(new RegExp(`requested #1 pending \\(awaiting owner\\): ${CONSUMER} reads ${CONFIDENTIAL} \\[confidential\\] as finance:read `));
    expect(await run(approve!, registry.tokens[CONFIDENTIAL]!)).toContain('approved #1 active');
    expect((await registry.call('GET', '/v1/grants', registry.tokens.gateway!)).body.grants.map((g: { id: number }) => g.id)).toEqual([1]);
    expect(await run(list!, registry.tokens.platform!)).toContain(`#1 active: ${CONSUMER} reads ${CONFIDENTIAL}`);
    expect(await run(revoke!, registry.tokens[CONFIDENTIAL]!)).toContain('revoked #1 revoked');
    expect((await registry.call('GET', '/v1/grants', registry.tokens.gateway!)).body.grants).toEqual([]);
    const history = (await registry.call('GET', '/v1/agreements/1', registry.tokens.platform!)).body;
    expect(history.decisions.map((d: { decision: string; reason: string }) => [d.decision, d.reason])).toEqual([
      ['approve', 'Aggregates for finance reporting'],
      ['revoke', 'The dashboard was retired'],
    ]);
    // Five CLI starts through npx, on a machine that may be busy.
  }, 400_000);

  it("the README's approve line as `reject`: the request is rejected for good, with its reason, and never granted", async () => {
    const [, request, approve] = readmeShellBlock('Access agreements');
    await registered();
    const requested = await run(request!, registry.tokens[`consumer:${CONSUMER}`]!);
    const id = /requested #(\d+) pending/.exec(requested)?.[1];
    expect(id, requested).toBeDefined();
    const reject = substituted(approve!, [[`access approve 1 `, `access reject ${id} `]]);
    expect(await run(reject, registry.tokens[CONFIDENTIAL]!)).toContain(`rejected #${id} rejected`);
    const kept = (await registry.call('GET', `/v1/agreements/${id}`, registry.tokens.platform!)).body;
    expect(kept.decisions.map((d: { decision: string; role: string; reason: string }) => [d.decision, d.role, d.reason])).toEqual([['reject', 'owner', 'Aggregates for finance reporting']]);
    expect((await registry.call('GET', '/v1/grants', registry.tokens.gateway!)).body.grants).toEqual([]);
    const again = await registry.call('POST', `/v1/agreements/${id}/decisions`, registry.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'second thoughts' });
    expect([again.status, again.body.error?.code]).toEqual([409, 'AGREEMENT_NOT_PENDING']);
  }, 200_000);

  it('a refusal exits 1 with its code', async () => {
    const [, request] = readmeShellBlock('Access agreements');
    await registered();
    const command = substituted(request!, [
      ['http://localhost:4100', registry.server.url],
      ['--scopes finance:read', '--classifications restricted'],
    ]).replace(' sales ', ` ${CONFIDENTIAL} `);
    const child = runShellLine(command, { cwd: ROOT, env: { MESHGATE_REGISTRY_TOKEN: registry.tokens[`consumer:${CONSUMER}`]! } });
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('AGREEMENT_CLASSIFICATION_UNKNOWN');
  }, 120_000);
});
