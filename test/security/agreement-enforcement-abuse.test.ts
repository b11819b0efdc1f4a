import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_SCOPES, closeProducts, postGraphQL, startGatewayFor, startProducts, type MeshHarness, type MeshProducts } from '../support/mesh-harness.ts';
import { probeQuery, productWith, startAgreementRegistry, type AgreementRegistry } from '../support/agreement-registry.ts';
import { loggerToLines } from '../support/log-lines.ts';
import { loadGovernance } from '../../schema/contracts/governance.ts';

/**
 * Hostile callers at a gateway that enforces access agreements: the application is a claim
 * of the verified token and nothing else, so a header naming an approved application, a
 * claim of the wrong shape, an agreement with another product and an expired agreement all
 * get FORBIDDEN_FIELD at the field's path, and nothing is read.
 */
const DAY = 86_400_000;
const CONSUMER = 'approved-app';
/** A consumer whose agreement named a scope rather than a classification. */
const SCOPED = 'scoped-app';
const RESTRICTED = productWith('restricted');
const CONFIDENTIAL = productWith('confidential', [RESTRICTED]);
const probe = probeQuery(CONFIDENTIAL, 'confidential');

let dir: string;
let registry: AgreementRegistry;
let products: MeshProducts;
let mesh: MeshHarness;
let skewMs = 0;
let endsAt = '';

const ask = (token: string | undefined, headers: Record<string, string> = {}) =>
  postGraphQL(mesh.gateway.url, { query: probe.query }, { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) });

/** Waits for the gateway to poll an approval in, then expects `token` to read the probe. */
async function expectReadsOncePolled(token: string): Promise<void> {
  // Bounded by time, not by a count of polls: a loaded machine polls fewer times in the same wait.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && (await ask(token)).body.errors; ) await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await ask(token)).body.errors).toBeUndefined();
}

function expectForbidden(answer: Awaited<ReturnType<typeof ask>>): void {
  const error = answer.body.errors?.find((e) => e.message.includes(probe.coordinate));
  expect(error?.extensions?.code, JSON.stringify(answer.body).slice(0, 400)).toBe('FORBIDDEN_FIELD');
  expect(JSON.stringify(answer.body.data ?? null)).not.toMatch(/"\w+":\s*-?\d/); // no figure read
}

describe('agreement enforcement abuse', () => {
  beforeAll(async () => {
    process.env.MESHGATE_SIGNING_SECRET = randomBytes(24).toString('hex');
    dir = mkdtempSync(join(tmpdir(), 'agreement-enforcement-'));
    registry = await startAgreementRegistry(join(dir, 'registry.duckdb'), { consumers: [CONSUMER, SCOPED] });
    products = await startProducts();
    mesh = await startGatewayFor(
      products,
      { mode: 'production', registry: { url: registry.server.url, token: registry.tokens.gateway! }, supergraph: { pollIntervalMs: 100 }, usage: { enabled: false } },
      { now: () => Date.now() + skewMs },
      async () => {},
    );
    const token = registry.tokens[`consumer:${CONSUMER}`]!;
    expect((await registry.call('POST', '/v1/consumers', token, { name: CONSUMER, ownerTeam: 'analytics', contact: 'analytics@example.com' })).status).toBe(201);
    endsAt = new Date(Date.now() + 5 * DAY).toISOString();
    const requested = await registry.call('POST', '/v1/agreements', token, { consumer: CONSUMER, product: CONFIDENTIAL, classifications: ['confidential'], purpose: 'abuse baseline', endsAt });
    expect((await registry.call('POST', `/v1/agreements/${requested.body.id}/decisions`, registry.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'baseline' })).status).toBe(201);
    // The approved application reads, once the gateway has polled: the baseline every case below departs from.
    const approved = await mesh.token({ scope: ANALYST_SCOPES, azp: CONSUMER });
    await expectReadsOncePolled(approved);
    // Seeding the registry checks and composes the whole demo mesh: slow on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await mesh?.gateway.close();
    if (products) await closeProducts(products);
    await registry?.close();
    delete process.env.MESHGATE_SIGNING_SECRET;
    rmSync(dir, { recursive: true, force: true });
  });

  it("the gateway's own catalog names a product's consumers and their purposes, from the agreements it enforces; a product without one says so", async () => {
    const pageOf = async (product: string) => {
      const response = await fetch(`${mesh.gateway.url.replace(/\/graphql$/, '')}/catalog/${product}`);
      expect(response.status).toBe(200);
      return /<h2 id="consumers">Consumers<\/h2>([\s\S]*?)<\/section>/.exec(await response.text())?.[1];
    };
    const consumers = await pageOf(CONFIDENTIAL);
    expect(consumers).toContain(`data-consumer="${CONSUMER}"`);
    expect(consumers).toContain('abuse baseline');
    expect(consumers).toContain(endsAt);
    expect(await pageOf(RESTRICTED)).toContain('No consumer holds an active agreement.');
  });

  it('a self-chosen application name in headers, with a token that names none: FORBIDDEN_FIELD', async () => {
    const unnamed = await mesh.token({ scope: ANALYST_SCOPES });
    const forged = { 'apollographql-client-name': CONSUMER, 'x-application': CONSUMER, 'x-meshgate-application': CONSUMER, 'x-client-id': CONSUMER, azp: CONSUMER };
    const answer = await ask(unnamed, forged);
    expectForbidden(answer);
    expect(answer.body.errors!.find((e) => e.message.includes(probe.coordinate))!.message).toContain('names no application (claim "azp")');
  });

  it('a forged application claim: an unsigned token (UNAUTHENTICATED), or the claim in a shape that names no application', async () => {
    const [header, payload] = (await mesh.token({ scope: ANALYST_SCOPES, azp: CONSUMER })).split('.');
    const unsigned = `${header}.${payload}.`;
    expect((await ask(unsigned)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const azp of [[CONSUMER], { name: CONSUMER }, 42, '']) expectForbidden(await ask(await mesh.token({ scope: ANALYST_SCOPES, azp } as never)));
  });

  it("an agreement with one product opens no other product's data", async () => {
    const other = probeQuery(RESTRICTED, 'restricted');
    const answer = await postGraphQL(mesh.gateway.url, { query: other.query }, { authorization: `Bearer ${await mesh.token({ scope: ANALYST_SCOPES, azp: CONSUMER })}` });
    expect(answer.body.errors?.find((e) => e.message.includes(other.coordinate))?.extensions?.code).toBe('FORBIDDEN_FIELD');
  });

  it("an agreement asked for by scope opens what the scope opens on that product only: the same scope's fields of another product stay refused", async () => {
    const governance = loadGovernance();
    const scope = governance.classificationScopes.confidential[0]!;
    const elsewhere = productWith('confidential', [RESTRICTED, CONFIDENTIAL]);
    const consumerToken = registry.tokens[`consumer:${SCOPED}`]!;
    expect((await registry.call('POST', '/v1/consumers', consumerToken, { name: SCOPED, ownerTeam: 'analytics', contact: 'analytics@example.com' })).status).toBe(201);
    const requested = await registry.call('POST', '/v1/agreements', consumerToken, { consumer: SCOPED, product: CONFIDENTIAL, scopes: [scope], purpose: 'by scope', endsAt });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect((await registry.call('POST', `/v1/agreements/${requested.body.id}/decisions`, registry.tokens[CONFIDENTIAL]!, { decision: 'approve', reason: 'scope' })).status).toBe(201);
    // The token carries the scope itself: what it opens in every product, the agreement narrows to one.
    const token = await mesh.token({ scope: ANALYST_SCOPES, azp: SCOPED });
    expect(ANALYST_SCOPES.split(' ')).toContain(scope);
    await expectReadsOncePolled(token);
    const other = probeQuery(elsewhere, 'confidential');
    const answer = await postGraphQL(mesh.gateway.url, { query: other.query }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors?.find((e) => e.message.includes(other.coordinate))?.message).toContain(
      `requires an access agreement with ${elsewhere} for confidential data; application "${SCOPED}" has none`,
    );
  });

  it('an expired agreement: FORBIDDEN_FIELD from its end date on, naming it', async () => {
    const token = await mesh.token({ scope: ANALYST_SCOPES, azp: CONSUMER });
    skewMs = Date.parse(endsAt) - Date.now();
    try {
      const answer = await ask(token);
      expectForbidden(answer);
      expect(answer.body.errors!.find((e) => e.message.includes(probe.coordinate))!.message).toContain(`ended ${endsAt}`);
    } finally {
      skewMs = 0;
    }
    expect((await ask(token)).body.errors).toBeUndefined();
  });

  it('development mode does not enforce agreements: a token naming no application reads governed data, and the gateway says so once at start', async () => {
    const { logger, lines } = loggerToLines();
    const dev = await startGatewayFor(
      products,
      { mode: 'development', registry: { url: registry.server.url, token: registry.tokens.gateway! }, usage: { enabled: false } },
      { logger },
      async () => {},
    );
    try {
      const answer = await postGraphQL(dev.gateway.url, { query: probe.query }, { authorization: `Bearer ${await dev.token({ scope: ANALYST_SCOPES })}` });
      expect(answer.body.errors, JSON.stringify(answer.body).slice(0, 300)).toBeUndefined();
      expect(lines.filter((line) => line.includes('access agreements: not enforced (development mode'))).toHaveLength(1);
    } finally {
      await dev.gateway.close();
    }
  });
});
