import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveGatewayConfig } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/create-gateway.ts';
import { MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import { supergraphModelReads } from '../../../schema/supergraph/supergraph-model.ts';
import { postGraphQL } from '../../support/mesh-harness.ts';

/**
 * A load reads the supergraph once: one parse into one model that admission, the plugins
 * (preview gate, access, cost, override labels, lineage), /mcp and the catalog and the plan
 * warmer all take, and one build of Apollo's schema, the gateway's own. Again on a hot
 * reload, after which every consumer answers by the new supergraph.
 *
 * The product behind the supergraph is never called: every answer checked here is decided
 * before a fetch (a refusal, or the cost estimate).
 */
function supergraphWith(fields: string): string {
  const typeDefs = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@tag", "@authenticated", "@cost"])\ntype Query { ${fields} }`);
  // Nothing listens there: a fetch would fail, and none is made.
  const composed = composeServices([{ name: 'notes', url: 'http://127.0.0.1:9/graphql', typeDefs }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

const FIRST = supergraphWith('draft: String @tag(name: "preview") secret: String @authenticated total: Int @cost(weight: 7)');
const SECOND = supergraphWith('draft: String secret: String total: Int @cost(weight: 11)');

let dir: string;
let file: string;
let gateway: RunningGateway;
let apolloBuilds: ReturnType<typeof vi.spyOn>;

/** What Apollo's nth build was given: the SDL (parsed again) or a parsed document. */
const builtFrom = (n: number) =>
  typeof apolloBuilds.mock.calls[n]?.[0] === 'string' ? 'sdl' : (apolloBuilds.mock.calls[n]?.[0] as { kind?: string } | undefined)?.kind === 'Document' ? 'document' : 'nothing';
const codesOf = async (query: string) => ((await postGraphQL(gateway.url, { query })).body.errors ?? []).map((e) => e.extensions?.code);
const costOf = async (query: string) => (await postGraphQL(gateway.url, { query })).body.extensions?.cost?.estimated;

async function until(accept: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !accept(); i++) await sleep(25);
  expect(accept()).toBe(true);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshgate-once-per-load-'));
  file = join(dir, 'supergraph.graphql');
  writeFileSync(file, FIRST);
  apolloBuilds = vi.spyOn(Supergraph, 'build');
});
afterAll(async () => {
  await gateway?.close();
  apolloBuilds?.mockRestore();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the supergraph, once per load', () => {
  it('is parsed once and built by Apollo once at start, and every consumer answers by it', async () => {
    const reads = supergraphModelReads();
    gateway = await startGateway(
      resolveGatewayConfig({
        port: 0,
        supergraph: { file, watch: true },
        access: { allowUnclassifiedFields: true },
        usage: { enabled: false },
        cost: { mode: 'measure' },
        mcp: { enabled: true },
        warmQueryPlans: 10,
      }),
    );
    expect(supergraphModelReads() - reads).toBe(1);
    expect(apolloBuilds).toHaveBeenCalledTimes(1);
    // Apollo builds from the model's parse, not from the SDL it would parse again.
    expect(builtFrom(0)).toBe('document');

    // The preview gate, access and the cost estimate, each from the one model.
    expect(await codesOf('{ draft }')).toEqual([MeshErrorCode.PREVIEW_FIELD_NOT_ENABLED]);
    expect(await codesOf('{ secret }')).toContain(MeshErrorCode.FORBIDDEN_FIELD);
    expect(await costOf('{ total }')).toBe(7);
    // Answering read nothing again.
    expect(supergraphModelReads() - reads).toBe(1);
    expect(apolloBuilds).toHaveBeenCalledTimes(1);
  });

  it('is parsed once and built by Apollo once again on a hot reload, and every consumer then answers by the new one', async () => {
    const reads = supergraphModelReads();
    const before = gateway.state();
    writeFileSync(`${file}.tmp`, SECOND);
    renameSync(`${file}.tmp`, file);
    await until(() => {
      const state = gateway.state();
      return state.phase === 'serving' && before.phase === 'serving' && state.hash !== before.hash;
    });
    expect(supergraphModelReads() - reads).toBe(1);
    expect(apolloBuilds).toHaveBeenCalledTimes(2);
    expect(builtFrom(1)).toBe('document');

    expect(await codesOf('{ draft }')).not.toContain(MeshErrorCode.PREVIEW_FIELD_NOT_ENABLED);
    expect(await codesOf('{ secret }')).not.toContain(MeshErrorCode.FORBIDDEN_FIELD);
    expect(await costOf('{ total }')).toBe(11);
    expect(supergraphModelReads() - reads).toBe(1);
  });

  it('refuses at start, with one coded line, a supergraph Apollo cannot build, having read it once and built it once', async () => {
    // A field routed to a graph the supergraph does not declare: meshgate's rules pass it, Apollo's build does not.
    const refused = FIRST.replace('total: Int @cost(weight: 7)', 'total: Int @cost(weight: 7) @join__field(graph: NOWHERE)');
    expect(refused).not.toBe(FIRST);
    const other = join(dir, 'refused.graphql');
    writeFileSync(other, refused);
    const reads = supergraphModelReads();
    const builds = apolloBuilds.mock.calls.length;
    await expect(startGateway(resolveGatewayConfig({ port: 0, supergraph: { file: other }, access: { allowUnclassifiedFields: true }, usage: { enabled: false } }))).rejects.toMatchObject({
      code: MeshErrorCode.SUPERGRAPH_INVALID,
      message: expect.stringMatching(/^Apollo Gateway cannot build a schema from the supergraph: .*NOWHERE/),
    });
    expect(supergraphModelReads() - reads).toBe(1);
    expect(apolloBuilds.mock.calls.length - builds).toBe(1);
    expect(builtFrom(builds)).toBe('document');
  });
});
