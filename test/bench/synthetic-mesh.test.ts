import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Kind, parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../bench/lib/compose-supergraph.ts';
import { serveSubgraph } from '../../bench/lib/serve-subgraph.ts';
import { derivedValue, EXTENSIONS, OWN_TYPES, REFERENCES, syntheticMesh } from '../../bench/scale/synthetic-mesh.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { postGraphQL } from '../support/mesh-harness.ts';

/** `npm run bench:scale`'s generated meshes: they compose, and they answer through the real gateway. */
const servers: Server[] = [];
const gateways: RunningGateway[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'meshgate-synthetic-'));
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(tmp, { recursive: true, force: true });
});

/** Type definitions of a product's SDL but its Query. */
const typesOf = (sdl: string) =>
  parse(sdl).definitions.flatMap((d) => ((d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.ENUM_TYPE_DEFINITION) && d.name.value !== 'Query' ? [d.name.value] : []));

describe('the synthetic mesh of bench:scale', () => {
  it('is the same from the same seed, and another from another', () => {
    const sdl = (seed: number) => syntheticMesh(10, seed).subgraphs.map((s) => s.sdl);
    expect(sdl(7)).toEqual(sdl(7));
    expect(sdl(7)).not.toEqual(sdl(8));
    expect(syntheticMesh(10, 7).queries.map((q) => q.query)).toEqual(syntheticMesh(10, 7).queries.map((q) => q.query));
  });

  it('refuses a mesh of fewer than two products, naming the count', () => {
    expect(() => syntheticMesh(1)).toThrow(/at least 2 products \(got 1\)/);
  });

  for (const size of [3, 10]) {
    it(`composes at ${size} products, each with about fifteen types, keys into other products and @requires`, () => {
      const mesh = syntheticMesh(size);
      expect(mesh.subgraphs).toHaveLength(size);
      for (const subgraph of mesh.subgraphs) {
        const types = typesOf(subgraph.sdl);
        // Its own types and enum, every foreign type it points at or extends (one it does both to is declared once).
        expect(types.length).toBeGreaterThanOrEqual(OWN_TYPES + 1 + REFERENCES);
        expect(types.length).toBeLessThanOrEqual(OWN_TYPES + 1 + REFERENCES + EXTENSIONS);
        const own = subgraph.name.toUpperCase();
        expect(types.filter((t) => !t.startsWith(own)).length, subgraph.name).toBeGreaterThanOrEqual(REFERENCES);
        expect(subgraph.sdl.match(/@requires\(fields: "amount"\)/g)).toHaveLength(EXTENSIONS);
      }
      const result = composeServices(mesh.subgraphs.map((s) => ({ name: s.name, url: `http://127.0.0.1:1/${s.name}`, typeDefs: parse(s.sdl) })));
      expect(result.errors?.map((e) => e.message)).toBeUndefined();
      expect(result.supergraphSdl).toContain('requires: "amount"');
    });
  }

  it('answers every generated query through the gateway with data, across products and through @requires', async () => {
    const mesh = syntheticMesh(3);
    const running = await Promise.all(mesh.subgraphs.map((s) => serveSubgraph(s)));
    servers.push(...running.map((r) => r.server));
    const file = join(tmp, 'supergraph.graphql');
    composeSupergraph(
      mesh.subgraphs.map((s, i) => ({ name: s.name, sdl: s.sdl, url: running[i]!.url })),
      file,
    );
    // Not data products: nothing classifies their fields.
    const gateway = await startGateway(resolveGatewayConfig({ port: 0, supergraph: { file }, access: { allowUnclassifiedFields: true }, usage: { enabled: false } }));
    gateways.push(gateway);

    for (const query of mesh.queries) {
      const { status, body } = await postGraphQL(gateway.url, { query: query.query, variables: query.variables(5) });
      expect(body.errors, query.query).toBeUndefined();
      expect(status).toBe(200);
      const rows = (body.data as Record<string, Record<string, any>[]>)[`${query.product}T0List`]!;
      expect(rows).toHaveLength(query.variables(5).first);
      for (const row of rows) {
        // Its own product's fields, and its own next type's.
        expect(row.label).toBe(`${query.product.toUpperCase()}T0 ${row.id}`);
        expect(row.next.label).toBe(`${query.product.toUpperCase()}T1 ${row.next.id}`);
        // The referenced entity's fields come from another product, by key...
        expect(row.ref.label).toMatch(new RegExp(`^P(?!${query.product.slice(1)})\\d{3}T\\d ${row.ref.id}$`));
        // ...and the derived fields from the products that extend it, computed from the amount they require.
        const derived = Object.entries(row.ref).filter(([key]) => /^p\d{3}Derived$/.test(key));
        expect(derived.length).toBeGreaterThan(0);
        for (const [key, value] of derived) expect(value).toBe(derivedValue(Number(key.slice(1, 4)), row.ref.amount));
      }
    }
  });
});
