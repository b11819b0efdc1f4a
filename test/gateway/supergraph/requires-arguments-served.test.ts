import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import { admitSupergraph } from '../../../schema/supergraph/supergraph-admission.ts';
import { FIXTURE_SUBGRAPHS, serveSignedSubgraphs, type FixtureSubgraph, type RunningFixture } from '../../fixtures/executor/subgraphs.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * A supergraph in which two @requires of Book select weight with different arguments
 * (shippingClass in kg, postage in g). These were refused at admission while Apollo's planner
 * fetched weight once for both; the gateway now keeps them apart, so it serves them at start
 * and on reload, each field computed from its own arguments.
 */
const SHIPPING = 'shippingClass: String @requires(fields: "weight(unit: \\"kg\\")")';

/** The executor fixtures, with reviews also pricing postage from weight in `unit`. */
function subgraphsWithPostage(unit: string): FixtureSubgraph[] {
  return FIXTURE_SUBGRAPHS.map((subgraph) => {
    if (subgraph.name !== 'reviews') return subgraph;
    if (!subgraph.sdl.includes(SHIPPING)) throw new Error('fixture text not found: shippingClass @requires');
    const resolvers = subgraph.resolvers as Record<string, Record<string, unknown>>;
    return {
      ...subgraph,
      sdl: subgraph.sdl.replace(SHIPPING, `${SHIPPING}\n        postage: Int @requires(fields: "weight(unit: \\"${unit}\\")")`),
      resolvers: { ...resolvers, Book: { ...resolvers.Book, postage: ({ weight }: { weight?: number }) => (weight === undefined ? null : weight * 100) } },
    };
  });
}

function compose(subgraphs: readonly FixtureSubgraph[], urls: Record<string, string>): string {
  const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: urls[s.name]!, typeDefs: parse(s.sdl) })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

let dir: string;
let fixture: RunningFixture;
let apart: string;
let agreeing: string;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-requires-apart-'));
  fixture = await serveSignedSubgraphs(subgraphsWithPostage('kg'));
  apart = compose(subgraphsWithPostage('g'), fixture.urls);
  agreeing = compose(subgraphsWithPostage('kg'), fixture.urls);
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await fixture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(name: string, sdl: string, watch = false): Promise<RunningGateway> {
  const file = join(dir, name);
  writeFileSync(file, sdl);
  // Not data products: nothing classifies their fields.
  const gateway = await startGateway(resolveGatewayConfig({ port: 0, supergraph: { file, watch }, access: { allowUnclassifiedFields: true }, usage: { enabled: false }, catalog: { enabled: false } }));
  gateways.push(gateway);
  return gateway;
}

/** b1 weighs 900 g: 1 kg rounded, so light; postage is the weight times 100, in the unit its @requires asks for. */
const BOTH = '{ book(isbn: "b1") { shippingClass postage weight } }';

describe('@requires of one field with different arguments, served', () => {
  it('starts on such a supergraph and computes each field from its own arguments, the caller\u2019s weight its own', async () => {
    const gateway = await start('apart.graphql', apart);
    const answer = await postGraphQL(gateway.url, { query: BOTH });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ book: { shippingClass: 'light', postage: 90000, weight: 900 } });
  });

  it('takes a reload that brings them, and answers by the new supergraph', async () => {
    const gateway = await start('agreeing.graphql', agreeing, true);
    const before = await postGraphQL(gateway.url, { query: BOTH });
    expect(before.body.data).toEqual({ book: { shippingClass: 'light', postage: 100, weight: 900 } });
    const good = gateway.state();
    expect(good.phase).toBe('serving');

    writeFileSync(join(dir, 'agreeing.graphql'), apart);
    let state = gateway.state();
    for (let i = 0; i < 400 && !(state.phase === 'serving' && good.phase === 'serving' && state.hash !== good.hash); i++) {
      await sleep(25);
      state = gateway.state();
    }
    expect(state.phase === 'serving' && good.phase === 'serving' && state.hash !== good.hash && !state.refused).toBe(true);
    expect((await postGraphQL(gateway.url, { query: BOTH })).body.data).toEqual({ book: { shippingClass: 'light', postage: 90000, weight: 900 } });
  });

  it('are kept apart under a renamed join spec too, and admitted by every rule set', async () => {
    const renamed = apart.replace(/(@link\(url: "https:\/\/specs\.apollo\.dev\/join\/v[0-9.]+", for: EXECUTION)\)/, '$1, as: "j")').replaceAll('join__', 'j__');
    expect(renamed).toContain('@j__field(graph: REVIEWS, requires:');
    for (const rules of [
      { mode: 'development', allowUnclassifiedFields: true },
      { mode: 'production', allowUnclassifiedFields: true },
    ] as const) {
      expect(() => admitSupergraph(renamed, rules)).not.toThrow();
    }
    const gateway = await start('renamed.graphql', renamed);
    expect((await postGraphQL(gateway.url, { query: BOTH })).body.data).toEqual({ book: { shippingClass: 'light', postage: 90000, weight: 900 } });
  });
});
