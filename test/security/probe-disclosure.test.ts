import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * `/health` and `/ready` answer anyone who can reach the port, unauthenticated and not
 * rate limited. They must not hand out a map of the mesh: no product URLs, no supergraph
 * source, hash or reload errors. Operators who want those turn on `readiness.details`.
 */
let mesh: MeshHarness;
let detailed: RunningGateway;
beforeAll(async () => {
  mesh = await startWorkerMesh();
  detailed = await startGatewayOn(mesh, { readiness: { details: true } });
});
afterAll(async () => {
  await detailed?.close();
  await mesh?.close();
});

const at = (gateway: RunningGateway, path: string) => fetch(gateway.url.replace(/graphql$/, path));

/** Everything that would locate a product or the supergraph: each product's URL and port, and the supergraph's file. */
function secrets(): string[] {
  const urls = Object.values(mesh.products).map((p) => p.running.url);
  return [...urls, ...urls.map((url) => `:${new URL(url).port}`), 'supergraph.graphql', 'http://'];
}

describe('/health', () => {
  it('says only that the gateway is live', async () => {
    const response = await at(mesh.gateway, 'health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('/ready', () => {
  it('says ready, and each product by name up or down, without a URL or supergraph detail', async () => {
    const response = await at(mesh.gateway, 'ready');
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const secret of secrets()) expect(text).not.toContain(secret);
    const body = JSON.parse(text) as { status: string; products: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(['products', 'status']);
    expect(body.status).toBe('ready');
    expect(Object.keys(body.products).sort()).toEqual(Object.keys(mesh.products).sort());
    for (const product of Object.values(body.products)) expect(product).toEqual({ state: 'up' });
  });

  it('shows the supergraph and its product URLs only with readiness.details on', async () => {
    const body = (await (await at(detailed, 'ready')).json()) as { status: string; supergraph: { phase: string; subgraphs: { url: string }[] } };
    expect(body.status).toBe('ready');
    expect(body.supergraph.phase).toBe('serving');
    expect(body.supergraph.subgraphs.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).toContain('supergraph.graphql');
  });
});
