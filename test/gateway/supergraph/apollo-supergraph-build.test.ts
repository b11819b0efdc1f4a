import { createRequire } from 'node:module';
import { composeServices } from '@apollo/composition';
import type * as FederationInternals from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import { parse, type DocumentNode } from 'graphql';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildFromModelParse } from '../../../gateway/supergraph/apollo-supergraph-build.ts';

/**
 * Apollo Gateway's build takes the parse the model was read from when there is one, and parses
 * the SDL itself otherwise; a gateway without the method meshgate replaces is left alone.
 */
const composed = composeServices([{ name: 'notes', url: 'http://127.0.0.1:9/graphql', typeDefs: parse('type Query { note: String }') }]);
if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
const SDL = composed.supergraphSdl;

// The copy Apollo Gateway resolves, which is the one the build must use.
const { Supergraph } = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'))('@apollo/federation-internals') as typeof FederationInternals;
const builds = vi.spyOn(Supergraph, 'build');
// This file shares its worker with others: they must get the real build back.
afterAll(() => builds.mockRestore());
let gateway: ApolloGateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  builds.mockClear();
});

async function loadWith(documentOf: (sdl: string) => DocumentNode | undefined): Promise<{ replaced: boolean; builtFrom: unknown }> {
  gateway = new ApolloGateway({ supergraphSdl: SDL, validateSupergraph: true });
  const replaced = buildFromModelParse(gateway, documentOf);
  await gateway.load();
  return { replaced, builtFrom: builds.mock.calls.at(-1)?.[0] };
}

describe("Apollo Gateway's build from the model's parse", () => {
  it('builds from the document handed over for that SDL, and serves it', async () => {
    const document = parse(SDL, { noLocation: true });
    const { replaced, builtFrom } = await loadWith((sdl) => (sdl === SDL ? document : undefined));
    expect(replaced).toBe(true);
    expect(builtFrom).toBe(document);
    expect(gateway!.schema?.getQueryType()?.getFields().note).toBeDefined();
  });

  it('parses the SDL itself, as Apollo always did, when no document is handed over', async () => {
    const { replaced, builtFrom } = await loadWith(() => undefined);
    expect(replaced).toBe(true);
    expect(builtFrom).toBe(SDL);
  });

  it('leaves alone a gateway of a version whose build method was not read', () => {
    gateway = new ApolloGateway({ supergraphSdl: SDL, validateSupergraph: true });
    const own = (gateway as unknown as Record<string, unknown>).createSchemaFromSupergraphSdl;
    expect(buildFromModelParse(gateway, () => undefined, '2.15.0')).toBe(false);
    expect((gateway as unknown as Record<string, unknown>).createSchemaFromSupergraphSdl).toBe(own);
  });

  it('leaves a gateway alone whose build method is not the one it replaces', () => {
    const other = { config: {}, createServices: () => {} } as unknown as ApolloGateway;
    expect(buildFromModelParse(other, () => undefined)).toBe(false);
    expect((other as unknown as Record<string, unknown>).createSchemaFromSupergraphSdl).toBeUndefined();
  });
});
