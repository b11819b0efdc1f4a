import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../schema/product/descriptor.ts';
import { classificationsOfScopes, loadGovernance } from '../../schema/contracts/governance.ts';
import { classificationsOf, productWith, publishedBaseline, startAgreementRegistry, type AgreementRegistry } from '../support/agreement-registry.ts';

/**
 * Hostile requests to the agreements API, each with the exact code it must get; nothing
 * refused is kept. The gateway's side (a self-chosen application name, an expired
 * agreement) is in agreement-enforcement-abuse.test.ts.
 */
const DAY = 86_400_000;
const CONSUMER = 'churn-model';
const OTHER = 'other-app';
const RESTRICTED = productWith('restricted');
const CONFIDENTIAL = productWith('confidential', [RESTRICTED]);
/** A classification that needs an agreement and that RESTRICTED has no field of. */
const ABSENT = CLASSIFICATIONS.find((c) => (loadGovernance().agreements.decidedBy[c] ?? []).length > 0 && !classificationsOf(publishedBaseline(RESTRICTED).descriptor).has(c))!;

let dir: string;
let mesh: AgreementRegistry;
const now = new Date();
const inDays = (days: number) => new Date(now.getTime() + days * DAY).toISOString();

async function expectRefused(call: Promise<{ status: number; body: any }>, status: number, code: string): Promise<void> {
  const answer = await call;
  expect([answer.status, answer.body?.error?.code], JSON.stringify(answer.body)).toEqual([status, code]);
}

async function request(product: string, classifications: string[], token = mesh.tokens[`consumer:${CONSUMER}`]!, endsAt = inDays(30)) {
  return mesh.call('POST', '/v1/agreements', token, { consumer: CONSUMER, product, classifications, purpose: 'abuse test', endsAt });
}

describe('agreements API abuse', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agreement-abuse-'));
    mesh = await startAgreementRegistry(join(dir, 'registry.duckdb'), { consumers: [CONSUMER, OTHER], now: () => now });
    for (const name of [CONSUMER, OTHER]) expect((await mesh.call('POST', '/v1/consumers', mesh.tokens.platform!, { name, ownerTeam: 'data-science', contact: 'ds@example.com' })).status).toBe(201);
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await mesh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a product token approving another product's agreement: AGREEMENT_NOT_YOURS", async () => {
    const { body } = await request(CONFIDENTIAL, ['confidential']);
    await expectRefused(mesh.call('POST', `/v1/agreements/${body.id}/decisions`, mesh.tokens[RESTRICTED]!, { decision: 'approve', reason: 'not mine' }), 403, 'AGREEMENT_NOT_YOURS');
    expect((await mesh.call('GET', `/v1/agreements/${body.id}`, mesh.tokens.gateway!)).body).toMatchObject({ status: 'pending', decisions: [] });
  });

  it("approving one's own request: AGREEMENT_SELF_APPROVAL", async () => {
    // The owner's own token asks on the consumer's behalf, then tries to approve it.
    const { body } = await request(CONFIDENTIAL, ['confidential'], mesh.tokens[CONFIDENTIAL]!);
    await expectRefused(mesh.call('POST', `/v1/agreements/${body.id}/decisions`, mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'me' }), 403, 'AGREEMENT_SELF_APPROVAL');
    // The steward likewise, on restricted data.
    const restricted = await request(RESTRICTED, ['restricted'], mesh.tokens.steward!);
    await expectRefused(mesh.call('POST', `/v1/agreements/${restricted.body.id}/decisions`, mesh.tokens.steward!, { decision: 'approve', reason: 'me' }), 403, 'AGREEMENT_SELF_APPROVAL');
  });

  it('a request for a classification the product does not have: AGREEMENT_CLASSIFICATION_UNKNOWN', async () => {
    expect(ABSENT, 'a governed classification the restricted product lacks').toBeDefined();
    await expectRefused(request(RESTRICTED, [ABSENT]), 422, 'AGREEMENT_CLASSIFICATION_UNKNOWN');
    // One that needs no agreement at all is refused too: an agreement for it would grant nothing.
    await expectRefused(request(RESTRICTED, ['public']), 422, 'AGREEMENT_CLASSIFICATION_UNKNOWN');
    await expectRefused(request(RESTRICTED, ['top-secret']), 400, 'BAD_REQUEST');
  });

  it('a scope governance opens nothing with: AGREEMENT_SCOPE_UNKNOWN; one opening nothing of this product: AGREEMENT_CLASSIFICATION_UNKNOWN; a request naming neither: BAD_REQUEST', async () => {
    const governance = loadGovernance();
    const ask = (body: Record<string, unknown>) =>
      mesh.call('POST', '/v1/agreements', mesh.tokens[`consumer:${CONSUMER}`]!, { consumer: CONSUMER, product: RESTRICTED, purpose: 'abuse test', endsAt: inDays(30), ...body });
    const before = (await mesh.call('GET', '/v1/agreements', mesh.tokens.platform!)).body.length;
    const invented = 'everything:read';
    expect(classificationsOfScopes(governance, [invented])).toEqual([]);
    await expectRefused(ask({ scopes: [invented] }), 422, 'AGREEMENT_SCOPE_UNKNOWN');
    // A known scope still refuses whole when one of the scopes named is unknown.
    await expectRefused(ask({ scopes: [governance.classificationScopes.restricted[0]!, invented] }), 422, 'AGREEMENT_SCOPE_UNKNOWN');
    // The scope of a governed classification the product has no field of opens nothing here: no agreement for it.
    await expectRefused(ask({ scopes: [governance.classificationScopes[ABSENT][0]!] }), 422, 'AGREEMENT_CLASSIFICATION_UNKNOWN');
    await expectRefused(ask({ scopes: [] }), 400, 'BAD_REQUEST');
    await expectRefused(ask({ classifications: [], scopes: [] }), 400, 'BAD_REQUEST');
    expect((await mesh.call('GET', '/v1/agreements', mesh.tokens.platform!)).body.length).toBe(before);
  });

  it("an end date past governance's longest term, or in the past: AGREEMENT_TERM_INVALID", async () => {
    const longest = loadGovernance().agreements.maxTermDays;
    await expectRefused(request(RESTRICTED, ['restricted'], undefined, inDays(longest + 1)), 422, 'AGREEMENT_TERM_INVALID');
    await expectRefused(request(RESTRICTED, ['restricted'], undefined, inDays(-1)), 422, 'AGREEMENT_TERM_INVALID');
    await expectRefused(request(RESTRICTED, ['restricted'], undefined, 'next tuesday'), 422, 'AGREEMENT_TERM_INVALID');
  });

  it('a consumer token acting for another consumer: AGREEMENT_NOT_YOURS', async () => {
    await expectRefused(request(RESTRICTED, ['restricted'], mesh.tokens[`consumer:${OTHER}`]!), 403, 'AGREEMENT_NOT_YOURS');
    await expectRefused(mesh.call('POST', '/v1/consumers', mesh.tokens[`consumer:${OTHER}`]!, { name: 'someone-else', ownerTeam: 'x', contact: 'x@example.com' }), 403, 'AGREEMENT_NOT_YOURS');
  });

  it('deciders outside their role: a steward where none is asked, the platform approving, a gateway or consumer deciding', async () => {
    const { body } = await request(CONFIDENTIAL, ['confidential']);
    const decide = (token: string) => mesh.call('POST', `/v1/agreements/${body.id}/decisions`, token, { decision: 'approve', reason: 'x' });
    await expectRefused(decide(mesh.tokens.steward!), 403, 'AGREEMENT_NOT_YOURS');
    await expectRefused(decide(mesh.tokens.platform!), 403, 'REGISTRY_FORBIDDEN');
    await expectRefused(decide(mesh.tokens.gateway!), 403, 'REGISTRY_FORBIDDEN');
    await expectRefused(decide(mesh.tokens[`consumer:${CONSUMER}`]!), 403, 'REGISTRY_FORBIDDEN');
    await expectRefused(mesh.call('GET', '/v1/grants', mesh.tokens[`consumer:${CONSUMER}`]!), 403, 'REGISTRY_FORBIDDEN');
  });

  it('unknown or malformed agreements and consumers', async () => {
    await expectRefused(mesh.call('POST', '/v1/agreements/999999/decisions', mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'x' }), 404, 'AGREEMENT_UNKNOWN');
    await expectRefused(mesh.call('POST', '/v1/agreements/1e3/decisions', mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'x' }), 404, 'AGREEMENT_UNKNOWN');
    await expectRefused(mesh.call('POST', '/v1/agreements/1/decisions', mesh.tokens[CONFIDENTIAL]!, { decision: 'approve' }), 400, 'BAD_REQUEST');
    await expectRefused(
      mesh.call('POST', '/v1/agreements', mesh.tokens.platform!, { consumer: 'nobody', product: RESTRICTED, classifications: ['restricted'], purpose: 'x', endsAt: inDays(3) }),
      404,
      'CONSUMER_UNKNOWN',
    );
    await expectRefused(
      mesh.call('POST', '/v1/agreements', mesh.tokens.platform!, { consumer: CONSUMER, product: 'no-such-product', classifications: ['restricted'], purpose: 'x', endsAt: inDays(3) }),
      404,
      'PRODUCT_UNKNOWN',
    );
    await expectRefused(
      mesh.call('POST', '/v1/agreements', mesh.tokens.platform!, { consumer: CONSUMER, product: RESTRICTED, classifications: ['restricted'], purpose: '   ', endsAt: inDays(3) }),
      400,
      'BAD_REQUEST',
    );
  });
});
