import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGatewayConfig, type GatewayConfigInput } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import { overrideFixture, OVERRIDE_LABELS, serveOverrideFixture } from '../../fixtures/executor/override-subgraphs.ts';
import { HoldingProxy } from '../../support/holding-proxy.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * Progressive @override through the real gateway: ledger's Product fields move to pricing,
 * each under its own label (override-subgraphs.ts). The gateway's random draw is injected, so
 * which side of a `percent(N)` a request falls on is the test's choice.
 */
const fixture = overrideFixture();
let served: Awaited<ReturnType<typeof serveOverrideFixture>>;
let draw = 0.5;
const gateways: RunningGateway[] = [];

async function gatewayWith(override: GatewayConfigInput['override'], more: Partial<GatewayConfigInput> = {}, random = () => draw): Promise<RunningGateway> {
  const config = resolveGatewayConfig({ port: 0, supergraph: { file: served.file }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, override, ...more });
  const gateway = await startGateway(config, { random });
  gateways.push(gateway);
  return gateway;
}

let gateway: RunningGateway;
beforeAll(async () => {
  served = await serveOverrideFixture(fixture);
  gateway = await gatewayWith({ header: 'x-override-labels' });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await served?.close();
});
beforeEach(() => fixture.resolved.clear());

const ask = async (field: string, headers: Record<string, string> = {}, on = gateway) => {
  const { status, body } = await postGraphQL(on.url, { query: `{ products { id ${field} } }` }, headers);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return (body.data.products as Record<string, number>[]).map((p) => p[field]);
};

describe('progressive @override', () => {
  it(`${OVERRIDE_LABELS.never}: every request is served by the old product, whatever the draw`, async () => {
    for (const value of [0, 0.25, 0.999]) {
      draw = value;
      expect(await ask('price')).toEqual([1, 1]);
    }
    expect(fixture.resolved.get('ledger.price')).toBe(6);
    expect(fixture.resolved.get('pricing.price')).toBeUndefined();
  });

  it(`${OVERRIDE_LABELS.always}: every request is served by the new product`, async () => {
    for (const value of [0, 0.25, 0.999]) {
      draw = value;
      expect(await ask('stock')).toEqual([2, 2]);
    }
    expect(fixture.resolved.get('pricing.stock')).toBe(6);
    expect(fixture.resolved.get('ledger.stock')).toBeUndefined();
  });

  it(`${OVERRIDE_LABELS.quarter}: a request whose draw falls under 25% goes to the new product, each with the plan of its own label set`, async () => {
    const draws = [0.1, 0.9, 0.24, 0.25, 0.6, 0.0];
    const answers = [];
    for (const value of draws) {
      draw = value;
      answers.push((await ask('tax'))[0]);
    }
    expect(answers).toEqual([2, 1, 2, 1, 1, 2]);
    expect(fixture.resolved.get('pricing.tax')).toBe(6);
    expect(fixture.resolved.get('ledger.tax')).toBe(6);
  });

  it(`a custom label named in the configured header: that request alone goes to the new product`, async () => {
    expect(await ask('rating', { 'x-override-labels': OVERRIDE_LABELS.custom })).toEqual([2, 2]);
    expect(await ask('rating')).toEqual([1, 1]);
    expect(await ask('rating', { 'x-override-labels': `other, ${OVERRIDE_LABELS.custom}` })).toEqual([2, 2]);
    // Requests under different labels in flight together are never one shared execution.
    const together = await Promise.all([ask('rating', { 'x-override-labels': OVERRIDE_LABELS.custom }), ask('rating'), ask('rating', { 'x-override-labels': OVERRIDE_LABELS.custom }), ask('rating')]);
    expect(together).toEqual([
      [2, 2],
      [1, 1],
      [2, 2],
      [1, 1],
    ]);
  });

  it('a custom label switched on in config serves every request from the new product; one switched off there cannot be named on', async () => {
    const on = await gatewayWith({ labels: { [OVERRIDE_LABELS.custom]: true } });
    expect(await ask('rating', {}, on)).toEqual([2, 2]);
    const off = await gatewayWith({ labels: { [OVERRIDE_LABELS.custom]: false }, header: 'x-override-labels' });
    expect(await ask('rating', { 'x-override-labels': OVERRIDE_LABELS.custom }, off)).toEqual([1, 1]);
  });

  it('a label that moves no field the operation selects is not drawn: requests under different draws still share one execution', async () => {
    // ledger held, so both requests are in flight together; the draws differ on percent(25)'s side.
    const proxy = await HoldingProxy.start(served.urls.ledger!);
    const draws = [0.1, 0.9];
    const held = await gatewayWith({}, { subgraphUrls: { ledger: proxy.url } }, () => draws.shift() ?? 0.5);
    try {
      const both = Promise.all([ask('stock', {}, held), ask('stock', {}, held)]);
      // Should an assertion below fail first, the held requests' own failure is not a second, unhandled one.
      both.catch(() => undefined);
      const joined = async () => (await held.metrics.coalescedRequests.get()).values[0]?.value ?? 0;
      // Until the second request joins the first, and the first's fetch reaches the proxy (the
      // follower can join before it does): on a loaded machine that can take seconds.
      for (const until = Date.now() + 30_000; Date.now() < until && ((await joined()) === 0 || proxy.received === 0); ) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await joined()).toBe(1);
      expect(proxy.received).toBe(1);
      proxy.releaseAll();
      expect(await both).toEqual([
        [2, 2],
        [2, 2],
      ]);
      // Only percent(100), which moves `stock`, was drawn: once per request.
      expect(draws).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});
