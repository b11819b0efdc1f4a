import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { postGraphQL, startGatewayOn, TEST_AUDIENCE, TEST_ISSUER, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * A rate limit `by: principal` keys on whom the verified token names, never on the
 * `Authorization` header's text: spelling one token's header differently (`bearer`,
 * `BEARER`, two spaces, a tab) is the same caller on `/graphql` and `/mcp` alike, and a
 * token the gateway refuses (garbage, forged, expired) gets no bucket of its own: it draws
 * from its address's bucket, as an anonymous caller does.
 */
const CAPACITY = 2;
let mesh: MeshHarness;
/** A second gateway for the tests that spend the address's bucket: the first one's stays full for the others. */
let byAddress: RunningGateway;
beforeAll(async () => {
  const rateLimit = { capacity: CAPACITY, refillPerSecond: 0.001, by: 'principal' as const };
  mesh = await startWorkerMesh({ rateLimit });
  byAddress = await startGatewayOn(mesh, { rateLimit, auth: mesh.auth });
});
afterAll(async () => {
  await byAddress?.close();
  await mesh?.close();
});

const QUERY = { query: '{ customer(id: "C00042") { id } }' };
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };

/** The ways one token can be written in an `Authorization` header that the gateway accepts. */
const spellings = (token: string) => [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer\t${token}`];

async function graphql(url: string, authorization: string | undefined): Promise<{ status: number; code: string | undefined }> {
  const result = await postGraphQL(url, QUERY, authorization === undefined ? {} : { authorization });
  return { status: result.status, code: result.body.errors?.[0]?.extensions?.code as string | undefined };
}

async function mcp(graphqlUrl: string, authorization: string | undefined): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(new URL('/mcp', graphqlUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify(INITIALIZE),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

describe('one token, spelt five ways', () => {
  for (const [door, send] of [
    ['/graphql', graphql],
    ['/mcp', mcp],
  ] as const) {
    it(`is one bucket on ${door}: past ${CAPACITY} requests every spelling gets 429 RATE_LIMITED`, async () => {
      const token = await mesh.token({ sub: `spelling-${door}@example.com` });
      const answers = [];
      for (const authorization of spellings(token)) answers.push(await send(mesh.gateway.url, authorization));
      expect(answers.slice(0, CAPACITY)).toEqual(Array(CAPACITY).fill({ status: 200, code: undefined }));
      expect(answers.slice(CAPACITY)).toEqual(Array(spellings(token).length - CAPACITY).fill({ status: 429, code: 'RATE_LIMITED' }));
    });
  }

  it('is one bucket across /graphql and /mcp, and across two tokens naming the same subject', async () => {
    const first = await mesh.token({ sub: 'both-doors@example.com' });
    const second = await mesh.token({ sub: 'both-doors@example.com', scope: 'pii:read' });
    expect(await graphql(mesh.gateway.url, `bearer ${first}`)).toEqual({ status: 200, code: undefined });
    expect(await mcp(mesh.gateway.url, `Bearer\t${second}`)).toEqual({ status: 200, code: undefined });
    expect(await graphql(mesh.gateway.url, `BEARER  ${second}`)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(await mcp(mesh.gateway.url, `Bearer ${first}`)).toEqual({ status: 429, code: 'RATE_LIMITED' });
  });

  it('leaves another subject its own bucket', async () => {
    const spent = await mesh.token({ sub: 'spender@example.com' });
    for (let i = 0; i < CAPACITY; i++) expect((await graphql(mesh.gateway.url, `Bearer ${spent}`)).status).toBe(200);
    expect(await graphql(mesh.gateway.url, `Bearer ${spent}`)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    const other = await mesh.token({ sub: 'bystander@example.com' });
    expect(await graphql(mesh.gateway.url, `Bearer ${other}`)).toEqual({ status: 200, code: undefined });
  });
});

describe('tokens the gateway refuses', () => {
  it('draw from the address bucket, with anonymous callers: no garbage, forged or expired token gets a bucket of its own', async () => {
    const { privateKey: foreignKey } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'forger@example.com' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(foreignKey);
    const expired = await mesh.token({ sub: 'late@example.com', iat: now - 1200, exp: now - 600 });
    const refused = [`Bearer garbage-1`, `bearer garbage-2`, `Bearer ${forged}`, `Bearer ${expired}`, 'Basic YWxpY2U6c2VjcmV0', `Bearer\tgarbage-3`];
    const answers = [];
    for (const [index, authorization] of refused.entries()) answers.push(await (index % 2 === 0 ? graphql : mcp)(byAddress.url, authorization));
    // The first ones reach authentication and are refused as themselves; the rest never get past the address's empty bucket.
    expect(answers.slice(0, CAPACITY)).toEqual(Array(CAPACITY).fill({ status: 401, code: 'UNAUTHENTICATED' }));
    expect(answers.slice(CAPACITY)).toEqual(Array(refused.length - CAPACITY).fill({ status: 429, code: 'RATE_LIMITED' }));
    // A caller without a token shares the address's bucket, which is spent.
    expect(await graphql(byAddress.url, undefined)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    // A good token is its own caller, whatever the address has spent.
    expect(await graphql(byAddress.url, `Bearer ${await mesh.token({ sub: 'honest@example.com' })}`)).toEqual({ status: 200, code: undefined });
  });
});
