import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUsageStore } from '../../gateway/observability/field-usage-store.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Usage data decides whether `meshgate check --usage` lets a deprecated field go. The
 * client name is a header anyone can send, so anonymous usage is not recorded: otherwise
 * anyone could keep any deprecated field "in use" forever. Authenticated callers are
 * recorded, and so are anonymous callers of a client named in `usage.trustedClients`.
 */
let mesh: MeshHarness;
let dir: string;
beforeAll(async () => {
  mesh = await startWorkerMesh();
  dir = mkdtempSync(join(tmpdir(), 'meshgate-usage-forgery-'));
});
afterAll(async () => {
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const DEPRECATED = { coordinate: 'Product.price', query: '{ product(sku: "SKU-0001") { price } }' };

/** Calls a gateway recording into its own file, closes it (which flushes), and returns who the store says used the field. */
async function recordedClients(calls: { client: string; authorization?: string }[], trustedClients: string[] = []): Promise<string[]> {
  const file = join(dir, `${trustedClients.join('-') || 'none'}-${calls.length}.jsonl`);
  const gateway = await startGatewayOn(mesh, { auth: mesh.auth, usage: { file, trustedClients } });
  try {
    for (const call of calls) {
      const headers: Record<string, string> = { 'apollographql-client-name': call.client, ...(call.authorization ? { authorization: call.authorization } : {}) };
      const result = await postGraphQL(gateway.url, { query: DEPRECATED.query }, headers);
      // Every call is served: only what is recorded differs.
      expect(result.body.data.product.price).toEqual(expect.any(Number));
    }
  } finally {
    await gateway.close();
  }
  const store = openUsageStore(file);
  try {
    return (await store.clientsUsing(DEPRECATED.coordinate, '0000-01-01', '9999-12-31')).map((usage) => usage.client).sort();
  } finally {
    await store.close();
  }
}

describe('field usage', () => {
  it('does not record an anonymous caller, whatever client name it claims', async () => {
    expect(await recordedClients([{ client: 'legacy-dashboard' }, { client: 'legacy-dashboard' }, { client: 'unknown' }])).toEqual([]);
  });

  it('records an authenticated caller under its client name', async () => {
    const token = await mesh.token({ scope: 'pii:read' });
    expect(await recordedClients([{ client: 'finance-app', authorization: `Bearer ${token}` }, { client: 'forged-app' }])).toEqual(['finance-app']);
  });

  it('records an anonymous caller whose client is named in usage.trustedClients, and no other', async () => {
    expect(await recordedClients([{ client: 'kiosk' }, { client: 'forged-app' }], ['kiosk'])).toEqual(['kiosk']);
  });
});
