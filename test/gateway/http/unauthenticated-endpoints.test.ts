import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHarness } from '../../support/mesh-harness.ts';
import { startWorkerMesh } from '../../support/worker-mesh.ts';
import { unroutedUrl } from '../../../schema/registry/routing-url.ts';

/**
 * `/catalog`, `/catalog.json` and `/ready` are unauthenticated and not rate limited, so
 * what one call costs is what any caller can make the gateway spend: the catalog is built
 * once per supergraph (and usage flush), and `/ready` answers from the breakers and a
 * background prober instead of probing every product per call.
 */
let mesh: MeshHarness;
const UNROUTED = 'catalog';
let healthChecks = 0;
let forwarding: Server;

beforeAll(async () => {
  // A pass-through in front of forecasts that counts the health probes it forwards.
  let upstream = '';
  forwarding = createServer((req, res) => {
    if (req.url === '/health') healthChecks++;
    const target = new URL(req.url ?? '/', upstream);
    const forwarded = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => forwarding.listen(0, '127.0.0.1', resolve));
  const port = (forwarding.address() as AddressInfo).port;
  // And one product nobody gave a URL, as a registry import leaves it.
  mesh = await startWorkerMesh({ subgraphUrls: { forecasts: `http://127.0.0.1:${port}/graphql`, [UNROUTED]: unroutedUrl(UNROUTED) } });
  upstream = mesh.products.forecasts!.running.url;
});
afterAll(async () => {
  await mesh?.close();
  forwarding?.closeAllConnections();
  await new Promise<void>((resolve) => (forwarding ? forwarding.close(() => resolve()) : resolve()));
});

function endpoint(path: string): string {
  return mesh.gateway.url.replace(/\/graphql$/, path);
}

async function catalogBuilds(): Promise<number> {
  const text = await (await fetch(endpoint('/metrics'))).text();
  return Number(/^meshgate_catalog_builds_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

describe('unauthenticated endpoints under repeated calls', () => {
  it('builds /catalog and /catalog.json once for the supergraph served, however often they are asked', async () => {
    expect(await catalogBuilds()).toBe(0);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(endpoint(i % 2 ? '/catalog' : '/catalog.json'))));
    for (const answer of answers) expect(answer.status).toBe(200);
    const json = (await answers[0]!.json()) as { products: { name: string; served: boolean }[] };
    expect(json.products.filter((p) => p.served).length).toBeGreaterThan(0);
    expect(await answers[1]!.text()).toContain('Data product catalog');
    expect(await catalogBuilds()).toBe(1);
    for (let i = 0; i < 5; i++) expect((await fetch(endpoint('/catalog.json'))).status).toBe(200);
    expect(await catalogBuilds()).toBe(1);
  });

  it('answers /ready from the last probe round, not with a probe of every product per call', async () => {
    const first = (await (await fetch(endpoint('/ready'))).json()) as { status: string; products: Record<string, { state: string }> };
    expect(first.status).toBe('ready');
    expect(first.products.forecasts).toEqual({ state: 'up' });
    const before = healthChecks;
    const calls = 20;
    for (let i = 0; i < calls; i++) {
      const ready = (await (await fetch(endpoint('/ready'))).json()) as { products: Record<string, { state: string }> };
      expect(ready.products.forecasts).toEqual({ state: 'up' });
    }
    // At most the background rounds that fell within the calls; per-call probing would be 20.
    expect(healthChecks - before).toBeLessThan(calls / 4);
  });

  it('reports a product with no URL as having none yet, not as down, and keeps the gateway ready', async () => {
    const ready = (await (await fetch(endpoint('/ready'))).json()) as { status: string; products: Record<string, { state: string; detail?: string }> };
    expect(ready.status).toBe('ready');
    // The public body has states only; with readiness.details on, the entry adds "no URL yet: ..." and how to give one.
    expect(ready.products[UNROUTED]).toEqual({ state: 'no-url' });
  });
});
