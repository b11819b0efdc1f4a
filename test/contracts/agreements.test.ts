import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../support/services.ts';
import { agreementDeciders, classificationsOfScopes, loadGovernance } from '../../schema/contracts/governance.ts';
import { classificationsOf, productWith, publishedBaseline, startAgreementRegistry, type AgreementRegistry } from '../support/agreement-registry.ts';

/**
 * Consumers and access agreements in the registry, on both stores: a consumer registers and
 * requests, the owner (and for restricted data a steward) decides, a revocation is a
 * decision too, and every step is kept. The registry's clock is injected: the test holds on any date.
 */
const pg = await postgresAvailable();
const SCHEMA = `agreements_${process.pid}_${randomBytes(3).toString('hex')}`;
const STORES: [string, (dir: string) => string][] = [
  ['DuckDB', (dir) => join(dir, 'registry.duckdb')],
  ...(pg ? [['PostgreSQL', () => `${TEST_POSTGRES_URL}?schema=${SCHEMA}`] as [string, (dir: string) => string]] : []),
];
const DAY = 86_400_000;
const CONSUMER = 'finance-dashboard';
const RESTRICTED = productWith('restricted');
const CONFIDENTIAL = productWith('confidential', [RESTRICTED]);

describe.each(STORES)('agreements on %s', (_name, location) => {
  let dir: string;
  let mesh: AgreementRegistry;
  let now = new Date();
  const inDays = (days: number) => new Date(now.getTime() + days * DAY).toISOString();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agreements-'));
    mesh = await startAgreementRegistry(location(dir), { consumers: [CONSUMER], now: () => now });
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await mesh?.close();
    rmSync(dir, { recursive: true, force: true });
    if (location(dir).startsWith('postgres')) await dropPostgresSchema(SCHEMA);
  });

  it('a consumer registers with its owner team and contact, once', async () => {
    const registered = await mesh.call('POST', '/v1/consumers', mesh.tokens[`consumer:${CONSUMER}`]!, {
      name: CONSUMER,
      application: 'finance-dashboard-app',
      ownerTeam: 'finance-analytics',
      contact: 'finance-analytics@example.com',
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ name: CONSUMER, application: 'finance-dashboard-app', ownerTeam: 'finance-analytics', registeredBy: `${CONSUMER}-app` });
    const again = await mesh.call('POST', '/v1/consumers', mesh.tokens.platform!, { name: CONSUMER, ownerTeam: 'x', contact: 'x@example.com' });
    expect([again.status, again.body.error.code]).toEqual([409, 'CONSUMER_EXISTS']);
    expect((await mesh.call('GET', '/v1/consumers', mesh.tokens.gateway!)).body.map((c: { name: string }) => c.name)).toEqual([CONSUMER]);
  });

  it('confidential data: the owner approves, the grant reaches gateways, a revocation ends it; every step is kept', async () => {
    const requested = await mesh.call('POST', '/v1/agreements', mesh.tokens[`consumer:${CONSUMER}`]!, {
      consumer: CONSUMER,
      product: CONFIDENTIAL,
      classifications: ['confidential'],
      purpose: 'Monthly revenue dashboard',
      endsAt: inDays(90),
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body).toMatchObject({ status: 'pending', awaiting: ['owner'], deciders: ['owner'] });
    const id = requested.body.id as number;
    const grants = await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!);
    expect(grants.body.governed).toEqual(['confidential', 'restricted']);
    expect(grants.body.grants).toEqual([]);
    const etag = grants.headers.get('etag')!;
    expect((await fetch(`${mesh.server.url}/v1/grants`, { headers: { authorization: `Bearer ${mesh.tokens.gateway}`, 'if-none-match': etag } })).status).toBe(304);

    const approved = await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'Aggregates only, finance team' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    expect(approved.body.status).toBe('active');
    const active = await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!);
    expect(active.headers.get('etag')).not.toBe(etag);
    expect(active.body.grants).toEqual([
      { id, consumer: CONSUMER, application: 'finance-dashboard-app', product: CONFIDENTIAL, classifications: ['confidential'], purpose: 'Monthly revenue dashboard', endsAt: inDays(90) },
    ]);

    const revoked = await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens.platform!, { decision: 'revoke', reason: 'Dashboard retired' });
    expect(revoked.body.status).toBe('revoked');
    expect((await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!)).body.grants).toEqual([]);
    const history = (await mesh.call('GET', `/v1/agreements/${id}`, mesh.tokens.steward!)).body;
    expect(history).toMatchObject({ requestedBy: `${CONSUMER}-app`, purpose: 'Monthly revenue dashboard', status: 'revoked' });
    expect(history.decisions.map((d: { decision: string; role: string; decidedBy: string; reason: string }) => [d.decision, d.role, d.decidedBy, d.reason])).toEqual([
      ['approve', 'owner', `${CONFIDENTIAL}-team`, 'Aggregates only, finance team'],
      ['revoke', 'platform', 'platform', 'Dashboard retired'],
    ]);
    const again = await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'again' });
    expect([again.status, again.body.error.code]).toEqual([409, 'AGREEMENT_NOT_PENDING']);
  });

  it('restricted data needs a steward too; the agreement expires at its end date by the registry clock', async () => {
    const requested = await mesh.call('POST', '/v1/agreements', mesh.tokens[`consumer:${CONSUMER}`]!, {
      consumer: CONSUMER,
      product: RESTRICTED,
      classifications: ['restricted'],
      purpose: 'Churn outreach',
      endsAt: inDays(10),
    });
    const id = requested.body.id as number;
    expect(requested.body.awaiting).toEqual(['owner', 'steward']);
    const owner = await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens[RESTRICTED]!, { decision: 'approve', reason: 'ok by owner' });
    expect(owner.body).toMatchObject({ status: 'pending', awaiting: ['steward'] });
    expect((await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!)).body.grants).toEqual([]);
    const steward = await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens.steward!, { decision: 'approve', reason: 'purpose is lawful' });
    expect(steward.body.status).toBe('active');
    expect((await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!)).body.grants.map((g: { id: number }) => g.id)).toEqual([id]);

    const listed = (await mesh.call('GET', `/v1/agreements?product=${RESTRICTED}`, mesh.tokens.gateway!)).body;
    expect(listed.map((a: { id: number }) => a.id)).toEqual([id]);
    const before = now;
    now = new Date(Date.parse(steward.body.endsAt) + 1);
    try {
      expect((await mesh.call('GET', `/v1/agreements/${id}`, mesh.tokens.gateway!)).body.status).toBe('expired');
      expect((await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!)).body.grants).toEqual([]);
    } finally {
      now = before;
    }
  });

  it("a request may name scopes: they ask for what a token with them would read under agreement, on this product's fields only, decided as those are", async () => {
    const governance = loadGovernance();
    const scope = governance.classificationScopes.confidential[0]!;
    const opened = classificationsOfScopes(governance, [scope]).filter(
      (c) => agreementDeciders(governance.agreements, [c]).length > 0 && classificationsOf(publishedBaseline(CONFIDENTIAL).descriptor).has(c),
    );
    expect(opened, `${scope} opens a governed classification of ${CONFIDENTIAL}`).toContain('confidential');
    const requested = await mesh.call('POST', '/v1/agreements', mesh.tokens[`consumer:${CONSUMER}`]!, {
      consumer: CONSUMER,
      product: CONFIDENTIAL,
      scopes: [scope],
      purpose: 'Revenue by scope',
      endsAt: inDays(30),
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body).toMatchObject({ classifications: opened, scopes: [scope], deciders: agreementDeciders(governance.agreements, opened), status: 'pending' });
    const id = requested.body.id as number;
    expect((await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'scope ok' })).body.status).toBe('active');
    // Kept as asked, read back from the store; the gateways get what it opens, on this product alone.
    expect((await mesh.call('GET', `/v1/agreements/${id}`, mesh.tokens.gateway!)).body).toMatchObject({ scopes: [scope], classifications: opened });
    const grant = (await mesh.call('GET', '/v1/grants', mesh.tokens.gateway!)).body.grants.find((g: { id: number }) => g.id === id);
    expect(grant).toMatchObject({ product: CONFIDENTIAL, classifications: opened });
    await mesh.call('POST', `/v1/agreements/${id}/decisions`, mesh.tokens.platform!, { decision: 'revoke', reason: 'done' });
  });

  it('lists pending requests first, by product and by consumer', async () => {
    const pending = await mesh.call('POST', '/v1/agreements', mesh.tokens.platform!, {
      consumer: CONSUMER,
      product: CONFIDENTIAL,
      classifications: ['confidential'],
      purpose: 'Quarterly forecast review',
      endsAt: inDays(30),
    });
    const all = (await mesh.call('GET', `/v1/agreements?consumer=${CONSUMER}`, mesh.tokens.gateway!)).body as { id: number; status: string }[];
    expect(all[0]).toMatchObject({ id: pending.body.id, status: 'pending' });
    expect(all.slice(1).every((a) => a.status !== 'pending')).toBe(true);
    const bad = await mesh.call('GET', '/v1/agreements?product=NOT_A_NAME', mesh.tokens.gateway!);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  });
});
