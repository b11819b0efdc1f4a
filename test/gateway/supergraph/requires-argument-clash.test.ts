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
import { MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import { FIXTURE_SUBGRAPHS, serveSignedSubgraphs, type FixtureSubgraph, type RunningFixture } from '../../fixtures/executor/subgraphs.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * A supergraph composed elsewhere in which two @requires of Book select weight with different
 * arguments: Apollo's planner would fetch weight once, so the gateway refuses it at start and
 * on reload. The same arguments twice are served.
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
let clashing: string;
let agreeing: string;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-requires-clash-'));
  fixture = await serveSignedSubgraphs(subgraphsWithPostage('kg'));
  clashing = compose(subgraphsWithPostage('g'), fixture.urls);
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

const CLASH = /Book\.shippingClass \(REVIEWS\) requires Book\.weight\(unit: "kg"\) but Book\.postage \(REVIEWS\) requires Book\.weight\(unit: "g"\)/;

describe('@requires argument clashes at supergraph admission', () => {
  it('refuses to start on a supergraph with the clash, with its code and both argument sets', async () => {
    await expect(start('clashing.graphql', clashing)).rejects.toMatchObject({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringMatching(CLASH) });
  });

  it('serves the same field required with the same arguments twice, and refuses a reload that brings the clash', async () => {
    const gateway = await start('agreeing.graphql', agreeing, true);
    const answer = await postGraphQL(gateway.url, { query: '{ book(isbn: "b1") { shippingClass postage } }' });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ book: { shippingClass: 'light', postage: 100 } });
    const good = gateway.state();
    expect(good.phase).toBe('serving');

    writeFileSync(join(dir, 'agreeing.graphql'), clashing);
    let state = gateway.state();
    for (let i = 0; i < 200 && !(state.phase === 'serving' && state.refused); i++) {
      await sleep(25);
      state = gateway.state();
    }
    expect(state.phase === 'serving' && good.phase === 'serving' && state.hash === good.hash).toBe(true);
    expect(state.phase === 'serving' && state.refused?.error).toMatch(CLASH);
    expect((await postGraphQL(gateway.url, { query: '{ book(isbn: "b1") { postage } }' })).body.data).toEqual({ book: { postage: 100 } });
  });
});

describe('@requires argument clashes a supergraph might hide', () => {
  const lenient = { mode: 'development', allowUnclassifiedFields: true } as const;

  it('are found under a renamed join spec, and no admission switch waives them', () => {
    const renamed = clashing.replace(/(@link\(url: "https:\/\/specs\.apollo\.dev\/join\/v[0-9.]+", for: EXECUTION)\)/, '$1, as: "j")').replaceAll('join__', 'j__');
    expect(renamed).toContain('@j__field(graph: REVIEWS, requires:');
    for (const sdl of [clashing, renamed]) {
      for (const rules of [lenient, { mode: 'production', allowUnclassifiedFields: true } as const]) {
        expect(() => admitSupergraph(sdl, rules)).toThrow(expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringMatching(CLASH) }));
      }
    }
  });

  it('are not seen where the same arguments are written with other spacing', () => {
    const reordered = agreeing.replace('requires: "weight(unit: \\"kg\\")"', 'requires: "weight( unit:\\"kg\\" )"');
    expect(reordered).not.toBe(agreeing);
    expect(() => admitSupergraph(reordered, lenient)).not.toThrow();
  });
});
