import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { ANALYST_SCOPES, closeProducts, postGraphQL, startGatewayFor, startProducts, type MeshHarness, type MeshProducts } from '../support/mesh-harness.ts';
import { probeQuery, productWith, startAgreementRegistry, type AgreementRegistry } from '../support/agreement-registry.ts';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';

/**
 * Issue 27's "done when": on the real PostgreSQL registry and two production gateways, a
 * consumer requests access, is refused before approval, reads after it, loses access within
 * a poll of a revocation and at its end date (the gateways' clock is injected); restricted
 * data needs a steward's approval too; every step is in the history.
 */
const pg = await postgresAvailable();
const SCHEMA = `agreements_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
const CONSUMER = 'revenue-dashboard';
const APPLICATION = 'revenue-dashboard-prod';
const RESTRICTED = productWith('restricted');
const CONFIDENTIAL = productWith('confidential', [RESTRICTED]);
const POLL_MS = 150;
const DAY = 86_400_000;

let registry: AgreementRegistry;
let products: MeshProducts;
let first: MeshHarness;
let gateways: RunningGateway[] = [];
/** Added to the gateways' clock: moved past an end date to see the agreement stop. */
let skewMs = 0;
let consumerToken = '';

type Answer = Awaited<ReturnType<typeof postGraphQL>>;

function valueAt(data: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (value === null || value === undefined ? value : (value as Record<string, unknown>)[key]), data);
}

async function askAll(query: string): Promise<Answer[]> {
  return Promise.all(gateways.map((gateway) => postGraphQL(gateway.url, { query }, { authorization: `Bearer ${consumerToken}` })));
}

const refused = (answer: Answer, coordinate: string) => answer.body.errors?.some((e) => e.extensions?.code === 'FORBIDDEN_FIELD' && e.message.includes(coordinate)) === true;
const reads = (answer: Answer, path: readonly string[]) => answer.status === 200 && !answer.body.errors && valueAt(answer.body.data, path) !== null && valueAt(answer.body.data, path) !== undefined;

/** Asks every gateway until each answers as `done` says; capped in rounds, not time, so a gateway that never polls fails the test. */
async function until(query: string, done: (answer: Answer) => boolean): Promise<Answer[]> {
  for (let round = 0; round < 400; round++) {
    const answers = await askAll(query);
    if (answers.every(done)) return answers;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS / 3));
  }
  throw new Error(`the gateways never answered as expected: ${JSON.stringify((await askAll(query)).map((a) => a.body)).slice(0, 600)}`);
}

async function decide(id: number, token: string, decision: string, reason: string) {
  const answer = await registry.call('POST', `/v1/agreements/${id}/decisions`, token, { decision, reason });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

describe.skipIf(!pg)('access agreements on the PostgreSQL registry, enforced by two gateways', () => {
  beforeAll(async () => {
    process.env.MESHGATE_SIGNING_SECRET = randomBytes(24).toString('hex');
    registry = await startAgreementRegistry(`${TEST_POSTGRES_URL}?schema=${SCHEMA}`, { consumers: [CONSUMER] });
    products = await startProducts();
    const config = {
      mode: 'production' as const,
      registry: { url: registry.server.url, token: registry.tokens.gateway! },
      supergraph: { pollIntervalMs: POLL_MS },
      usage: { enabled: false },
    };
    const now = () => Date.now() + skewMs;
    first = await startGatewayFor(products, config, { now }, async () => {});
    // The second trusts the same identity provider: one token reads through either.
    const second = await startGatewayFor(products, { ...config, auth: first.auth }, { now }, async () => {});
    gateways = [first.gateway, second.gateway];
    consumerToken = await first.token({ scope: ANALYST_SCOPES, azp: APPLICATION });
    const registered = await registry.call('POST', '/v1/consumers', registry.tokens[`consumer:${CONSUMER}`]!, {
      name: CONSUMER,
      application: APPLICATION,
      ownerTeam: 'finance-analytics',
      contact: 'finance-analytics@example.com',
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    if (products) await closeProducts(products);
    await registry?.close();
    delete process.env.MESHGATE_SIGNING_SECRET;
    if (pg) await dropPostgresSchema(SCHEMA);
  });

  it('confidential data: refused before approval, read after it, refused again within a poll of the revocation', async () => {
    const probe = probeQuery(CONFIDENTIAL, 'confidential');
    const before = await askAll(probe.query);
    for (const answer of before) {
      expect(refused(answer, probe.coordinate), JSON.stringify(answer.body)).toBe(true);
      expect(answer.body.errors![0]!.message).toContain(`requires an access agreement with ${CONFIDENTIAL} for confidential data; application "${APPLICATION}" has none`);
    }
    const requested = await registry.call('POST', '/v1/agreements', registry.tokens[`consumer:${CONSUMER}`]!, {
      consumer: CONSUMER,
      product: CONFIDENTIAL,
      classifications: ['confidential'],
      purpose: 'Monthly revenue dashboard for the finance team',
      endsAt: new Date(Date.now() + 60 * DAY).toISOString(),
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    // Pending: still refused on both.
    for (const answer of await askAll(probe.query)) expect(refused(answer, probe.coordinate)).toBe(true);

    await decide(requested.body.id, registry.tokens[CONFIDENTIAL]!, 'approve', 'Aggregates for finance reporting');
    await until(probe.query, (answer) => reads(answer, probe.path));
    // The same token without the claim, or naming another application, is still refused.
    const other = await first.token({ scope: ANALYST_SCOPES, azp: 'some-other-app' });
    expect(refused(await postGraphQL(first.gateway.url, { query: probe.query }, { authorization: `Bearer ${other}` }), probe.coordinate)).toBe(true);

    await decide(requested.body.id, registry.tokens[CONFIDENTIAL]!, 'revoke', 'The dashboard moved to another product');
    await until(probe.query, (answer) => refused(answer, probe.coordinate));
    // Rounds are capped, not time: a loaded machine may take long over each.
  }, 300_000);

  it("restricted data needs the steward's approval as well as the owner's, and stops at its end date", async () => {
    const probe = probeQuery(RESTRICTED, 'restricted');
    const endsAt = new Date(Date.now() + 20 * DAY).toISOString();
    const requested = await registry.call('POST', '/v1/agreements', registry.tokens[`consumer:${CONSUMER}`]!, {
      consumer: CONSUMER,
      product: RESTRICTED,
      classifications: ['restricted'],
      purpose: 'Named customers on the revenue dashboard',
      endsAt,
    });
    expect(requested.body.awaiting).toEqual(['owner', 'steward']);
    const afterOwner = await decide(requested.body.id, registry.tokens[RESTRICTED]!, 'approve', 'Owner agrees');
    expect(afterOwner).toMatchObject({ status: 'pending', awaiting: ['steward'] });
    // What the gateways poll holds no grant for it yet, and they refuse.
    expect((await registry.call('GET', '/v1/grants', registry.tokens.gateway!)).body.grants.filter((g: { id: number }) => g.id === requested.body.id)).toEqual([]);
    for (const answer of await askAll(probe.query)) expect(refused(answer, probe.coordinate), JSON.stringify(answer.body)).toBe(true);

    await decide(requested.body.id, registry.tokens.steward!, 'approve', 'Lawful purpose, least data');
    await until(probe.query, (answer) => reads(answer, probe.path));

    // The gateways' clock passes the end date: refused at once, no poll needed, naming the ended agreement.
    skewMs = Date.parse(endsAt) - Date.now() + 1_000;
    try {
      for (const answer of await askAll(probe.query)) {
        expect(refused(answer, probe.coordinate)).toBe(true);
        expect(answer.body.errors!.find((e) => e.message.includes(probe.coordinate))!.message).toContain(`agreement ${requested.body.id} ended ${endsAt}`);
      }
    } finally {
      skewMs = 0;
    }
  }, 300_000);

  it('every request and decision is in the history: who, when, why', async () => {
    const history = (await registry.call('GET', `/v1/agreements?consumer=${CONSUMER}`, registry.tokens.platform!)).body as {
      product: string;
      requestedBy: string;
      requestedAt: string;
      status: string;
      decisions: { decision: string; role: string; decidedBy: string; decidedAt: string; reason: string }[];
    }[];
    const byProduct = new Map(history.map((a) => [a.product, a]));
    expect(byProduct.get(CONFIDENTIAL)).toMatchObject({ status: 'revoked', requestedBy: `${CONSUMER}-app` });
    expect(byProduct.get(CONFIDENTIAL)!.decisions.map((d) => [d.decision, d.role, d.decidedBy, d.reason])).toEqual([
      ['approve', 'owner', `${CONFIDENTIAL}-team`, 'Aggregates for finance reporting'],
      ['revoke', 'owner', `${CONFIDENTIAL}-team`, 'The dashboard moved to another product'],
    ]);
    expect(byProduct.get(RESTRICTED)).toMatchObject({ status: 'active' });
    expect(byProduct.get(RESTRICTED)!.decisions.map((d) => [d.decision, d.role, d.decidedBy])).toEqual([
      ['approve', 'owner', `${RESTRICTED}-team`],
      ['approve', 'steward', 'steward'],
    ]);
    for (const agreement of history) for (const at of [agreement.requestedAt, ...agreement.decisions.map((d) => d.decidedAt)]) expect(Number.isFinite(Date.parse(at))).toBe(true);
  });
});
