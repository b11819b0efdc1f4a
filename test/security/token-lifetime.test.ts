import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthConfig, mintDevToken } from '../../gateway/access/dev-identity.ts';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Correctly signed tokens that must still be refused: one that never expires, one that
 * does not say when it was issued, one older than the gateway accepts whatever its `exp`
 * says, and one dated in the future. Each gets 401 UNAUTHENTICATED before any product is asked.
 */
let mesh: MeshHarness;
let hourly: RunningGateway;
let dev: { gateway: RunningGateway; dir: string; file: string };
beforeAll(async () => {
  mesh = await startWorkerMesh();
  hourly = await startGatewayOn(mesh, { auth: { ...mesh.auth, maxTokenAgeSeconds: 3600 } });
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-dev-identity-'));
  const file = join(dir, 'dev-identity.json');
  dev = { gateway: await startGatewayOn(mesh, { auth: await devAuthConfig('development', file) }), dir, file };
});
afterAll(async () => {
  await hourly?.close();
  await dev?.gateway.close();
  if (dev) rmSync(dev.dir, { recursive: true, force: true });
  await mesh?.close();
});

const QUERY = '{ customer(id: "C00042") { id } }';
const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

describe('tokens the gateway refuses although their signature is good', () => {
  const cases: { name: string; message: string; claims: () => Record<string, unknown> }[] = [
    { name: 'a token without exp', message: 'The bearer token has no "exp" claim', claims: () => ({ exp: undefined }) },
    { name: 'a token without iat', message: 'The bearer token has no "iat" claim', claims: () => ({ iat: undefined }) },
    {
      name: 'a token issued 25 hours ago that expires next year (older than the default 24 h)',
      message: 'The bearer token was issued more than 86400 s ago; get a new one',
      claims: () => ({ iat: now() - 25 * HOUR, exp: now() + 365 * 24 * HOUR }),
    },
    { name: 'a token dated an hour in the future', message: 'The bearer token\'s "iat" claim is in the future', claims: () => ({ iat: now() + HOUR, exp: now() + 2 * HOUR }) },
  ];
  for (const testCase of cases) {
    it(`refuses ${testCase.name} with 401 UNAUTHENTICATED`, async () => {
      mesh.clearQueryLogs();
      const token = await mesh.token({ scope: 'pii:read finance:read', ...testCase.claims() });
      const result = await mesh.query(QUERY, undefined, { authorization: `Bearer ${token}` });
      expect(result.status).toBe(401);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['UNAUTHENTICATED', testCase.message]]);
      expect(mesh.fetches('customers')).toEqual([]);
    });
  }

  it('accepts a token 23 hours old that has not expired', async () => {
    const token = await mesh.token({ iat: now() - 23 * HOUR, exp: now() + HOUR });
    const result = await mesh.query(QUERY, undefined, { authorization: `Bearer ${token}` });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ customer: { id: 'C00042' } });
  });

  it('applies auth.maxTokenAgeSeconds: an hour-limited gateway refuses a two-hour-old token the default accepts', async () => {
    const token = await mesh.token({ iat: now() - 2 * HOUR, exp: now() + HOUR });
    const refused = await postGraphQL(hourly.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['UNAUTHENTICATED', 'The bearer token was issued more than 3600 s ago; get a new one']]);
    expect((await mesh.query(QUERY, undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    const fresh = await mesh.token({ iat: now() - 30 * 60 });
    expect((await postGraphQL(hourly.url, { query: QUERY }, { authorization: `Bearer ${fresh}` })).body.data).toEqual({ customer: { id: 'C00042' } });
  });

  it('refuses a token that was accepted once, once it has grown too old (the verified-token memory does not outlive the age limit)', async () => {
    // Issued just under the hour ago: accepted, remembered, and too old a few seconds later.
    const token = await mesh.token({ iat: now() - HOUR + 5, exp: now() + HOUR });
    expect((await postGraphQL(hourly.url, { query: QUERY }, { authorization: `Bearer ${token}` })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 6500));
    const later = await postGraphQL(hourly.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect(later.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('tokens meshgate mints', () => {
  it('the development token carries exp and iat and is accepted', async () => {
    const token = await mintDevToken({ file: dev.file });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: number; iat?: number };
    expect(claims.exp).toEqual(expect.any(Number));
    expect(claims.iat).toEqual(expect.any(Number));
    const result = await postGraphQL(dev.gateway.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ customer: { id: 'C00042' } });
  });
});
