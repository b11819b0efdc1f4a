import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { signatureHeader } from '../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../schema/protocol/signature-verifier.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { RegistrySigningSecrets, signingKeyRoutes } from '../../schema/registry/signing-key-handout.ts';
import { loadProductKeys } from '../../subgraphs/kit/product-keys.ts';
import { GatewayMetrics } from '../../gateway/observability/metrics.ts';
import { readSignatureRefusal, SignatureRefusals } from '../../gateway/transport/signature-refusals.ts';

/**
 * Hostile inputs around signing keys: a product's 401 body that tries to write the gateway's
 * log and metric labels, a flood of invented key ids that would make a product hammer its
 * registry, and product tokens reaching for keys that are not theirs.
 */
describe("a product's refusal, read by the gateway", () => {
  it('takes the reason only from the closed set and the code only when it is a signature code; anything else is unspecified', () => {
    const hostile = [
      'not json',
      JSON.stringify({ errors: [{ extensions: { code: 'SIGNATURE_INVALID', reason: 'x'.repeat(100_000) } }] }),
      JSON.stringify({ errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR\nforged log line', reason: 'unknown-key\n' } }] }),
      JSON.stringify({ errors: [{ extensions: { code: 42, reason: ['unknown-key'] } }] }),
      JSON.stringify({ errors: 'none' }),
      JSON.stringify(null),
    ];
    for (const text of hostile) {
      const refusal = readSignatureRefusal('sales', 'kid123', text);
      expect(refusal.reason, text.slice(0, 40)).toBe('unspecified');
      expect(refusal.code === null || refusal.code === 'SIGNATURE_INVALID', text.slice(0, 40)).toBe(true);
    }
    expect(readSignatureRefusal('sales', 'kid123', JSON.stringify({ errors: [{ extensions: { code: 'SIGNATURE_EXPIRED', reason: 'expired' } }] }))).toEqual({
      product: 'sales',
      code: 'SIGNATURE_EXPIRED',
      reason: 'expired',
      keyId: 'kid123',
    });
  });

  it('logs one line per (product, reason, key id) burst and counts every refusal', async () => {
    const lines: { msg: string; refusedSinceLastLine?: number }[] = [];
    let now = 0;
    const metrics = new GatewayMetrics();
    const refusals = new SignatureRefusals({ error: (fields: object, msg: string) => void lines.push({ ...fields, msg }) } as never, metrics, () => now);
    for (let i = 0; i < 50; i++) refusals.record({ product: 'sales', code: 'SIGNATURE_INVALID', reason: 'unknown-key', keyId: 'k1' });
    refusals.record({ product: 'sales', code: 'SIGNATURE_EXPIRED', reason: 'expired', keyId: 'k1' });
    expect(lines).toHaveLength(2);
    now = 61_000;
    refusals.record({ product: 'sales', code: 'SIGNATURE_INVALID', reason: 'unknown-key', keyId: 'k1' });
    expect(lines).toHaveLength(3);
    expect(lines[2]!.refusedSinceLastLine).toBe(49);
    expect(await metrics.registry.getSingleMetricAsString('meshgate_product_signature_refusals_total')).toContain(
      'meshgate_product_signature_refusals_total{product="sales",reason="unknown-key",key_id="k1"} 51',
    );
  });
});

describe('signing keys from the registry, under abuse', () => {
  const tokens = { platform: randomBytes(16).toString('hex'), gateway: randomBytes(16).toString('hex'), sales: randomBytes(16).toString('hex') };
  let dir: string;
  let registry: Registry;
  let server: RunningRegistry;
  let fetches = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshgate-key-abuse-'));
    registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
    const routes = signingKeyRoutes(RegistrySigningSecrets.open({ env: {}, file: join(dir, 'secrets') }));
    // Counted where the registry answers, so the test sees every fetch a product makes.
    const counted = routes.map((route) => ({
      ...route,
      handle: (request: Parameters<typeof route.handle>[0]) => {
        fetches++;
        return route.handle(request);
      },
    }));
    server = await startRegistryServer({
      registry,
      tokens: new RegistryTokens({
        maxBodyBytes: 1_048_576,
        tokens: [
          { kind: 'platform', name: 'platform', token: tokens.platform },
          { kind: 'gateway', name: 'edge', token: tokens.gateway },
          { kind: 'product', name: 'sales-team', product: 'sales', token: tokens.sales },
        ],
      }),
      log: () => {},
      routes: counted,
    });
  });

  afterAll(async () => {
    await server?.close();
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a flood of invented key ids makes a product ask its registry at most about once a second, and every one is refused SIGNATURE_INVALID', async () => {
    const keys = await loadProductKeys('sales', { env: { MESHGATE_REGISTRY_URL: server.url, MESHGATE_REGISTRY_TOKEN: tokens.sales }, mode: 'production' });
    try {
      const verifier = new SignatureVerifier({ product: 'sales', keys });
      const before = fetches;
      const body = '{"query":"{ __typename }"}';
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, () =>
          verifier.verify(signatureHeader(signingKey(randomBytes(32)), 'sales', body), body).then(
            () => 'accepted',
            (error: { code: string; extensions: { reason: string } }) => `${error.code}/${error.extensions.reason}`,
          ),
        ),
      );
      expect(new Set(outcomes)).toEqual(new Set(['SIGNATURE_INVALID/unknown-key']));
      expect(fetches - before).toBeLessThanOrEqual(2);
    } finally {
      keys.close();
    }
  });

  it("refuses a product token reaching for another product's keys, for the rotation, or with a path that is not a product name", async () => {
    const ask = async (method: string, path: string, token: string) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code };
    };
    expect(await ask('GET', '/v1/products/catalog/signing-keys', tokens.sales)).toEqual({ status: 403, code: 'REGISTRY_FORBIDDEN' });
    expect(await ask('POST', '/v1/signing-keys/rotate', tokens.sales)).toEqual({ status: 403, code: 'REGISTRY_FORBIDDEN' });
    expect(await ask('POST', '/v1/signing-keys/rotate', tokens.gateway)).toEqual({ status: 403, code: 'REGISTRY_FORBIDDEN' });
    expect(await ask('GET', `/v1/products/${encodeURIComponent('../../etc')}/signing-keys`, tokens.gateway)).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(await ask('GET', '/v1/products/sales/signing-keys', 'not-a-token-of-this-registry')).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await ask('DELETE', '/v1/products/sales/signing-keys', tokens.platform)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });
});
