import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { overrideFixture, OVERRIDE_LABELS, serveOverrideFixture } from '../fixtures/executor/override-subgraphs.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/** Hostile override-label headers: refused with their code, or without any effect. */
const fixture = overrideFixture();
const HEADER = 'x-override-labels';
let served: Awaited<ReturnType<typeof serveOverrideFixture>>;
let gateway: RunningGateway;

beforeAll(async () => {
  served = await serveOverrideFixture(fixture);
  // Every draw lands above every percentage but 100: only a label the client could force would move a field.
  gateway = await startGateway(
    resolveGatewayConfig({ port: 0, supergraph: { file: served.file }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, override: { header: HEADER } }),
    { random: () => 0.99 },
  );
});
afterAll(async () => {
  await gateway?.close();
  await served?.close();
});
beforeEach(() => fixture.resolved.clear());

const ask = (labels: string) => postGraphQL(gateway.url, { query: '{ products { id tax rating } }' }, { [HEADER]: labels });

describe('override-labels header abuse', () => {
  it('labels the supergraph does not use are ignored: the answer is the one without the header', async () => {
    const { status, body } = await ask('no-such-label, __proto__, constructor');
    expect(status).toBe(200);
    expect(body.data.products).toEqual([
      { id: 'a', tax: 1, rating: 1 },
      { id: 'b', tax: 1, rating: 1 },
    ]);
  });

  it('a percent(N) label named in the header is ignored: a client cannot put itself in a rollout', async () => {
    const { body } = await ask(`${OVERRIDE_LABELS.quarter}, percent(100)`);
    expect(body.data.products.map((p: { tax: number }) => p.tax)).toEqual([1, 1]);
    expect(fixture.resolved.get('pricing.tax')).toBeUndefined();
  });

  it('a header over 512 bytes: OVERRIDE_HEADER_INVALID (400), nothing fetched', async () => {
    const { status, body } = await ask(`${OVERRIDE_LABELS.custom},${'x'.repeat(600)}`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('OVERRIDE_HEADER_INVALID');
    expect(fixture.resolved.size).toBe(0);
  });

  it('a header naming more than 16 labels: OVERRIDE_HEADER_INVALID (400)', async () => {
    const { status, body } = await ask(Array.from({ length: 17 }, (_, i) => `l${i}`).join(','));
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('OVERRIDE_HEADER_INVALID');
  });
});
