import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { HoldingProxy } from './holding-proxy.ts';
import { startGatewayOn, startMesh, type MeshHarness } from './mesh-harness.ts';

/**
 * The demo mesh with two gateways in front of it, for tests of what callers share:
 * `held` coalesces and reaches `customers` through a proxy that holds every fetch until the
 * test lets it go (so the test decides what is in flight together); `cached` keeps whole
 * answers with the watermark cache. Both let anonymous callers in.
 */
export interface SharingRig {
  mesh: MeshHarness;
  proxy: HoldingProxy;
  /**
   * Outbound fetch de-duplication off: a held fetch is then one execution. (On, identical
   * product fetches of two executions share one request, rightly: the product is asked the same.)
   */
  held: RunningGateway;
  cached: RunningGateway;
  close(): Promise<void>;
}

export async function startSharingRig(): Promise<SharingRig> {
  const mesh = await startMesh();
  const proxy = await HoldingProxy.start(mesh.products.customers!.running.url);
  const auth = { ...mesh.auth, allowAnonymous: true };
  const held = await startGatewayOn(mesh, { supergraph: { file: 'schema/supergraph.graphql' }, auth, transport: { dedupe: false }, subgraphUrls: { customers: proxy.url } });
  const cached = await startGatewayOn(mesh, { supergraph: { file: 'schema/supergraph.graphql' }, auth, cache: { enabled: true, watermarkCheckMs: 0 } });
  return {
    mesh,
    proxy,
    held,
    cached,
    async close() {
      proxy.releaseAll();
      await held.close();
      await cached.close();
      proxy.close();
      await mesh.close();
    },
  };
}
