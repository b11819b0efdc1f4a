import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedArguments } from '../../gateway/access/argument-access.ts';
import { FieldAccess } from '../../gateway/access/field-access.ts';
import type { Principal } from '../../gateway/access/authentication.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { admitSupergraph } from '../../schema/supergraph/supergraph-admission.ts';
import { readSupergraphModel } from '../../schema/supergraph/supergraph-model.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Attempts to get past access rules the supergraph carries: filtering by a field one may not
 * read (literal, variables, nested input, fragments, both access modes), type-level
 * directives on scalars and enums, directives imported under another name, and a
 * supergraph nobody classified.
 */
const ANONYMOUS = { authorization: '' };
const codes = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => e.extensions?.code);

describe('filtering by a field the caller may not read', () => {
  let mesh: MeshHarness;
  let reject: RunningGateway;
  beforeAll(async () => {
    mesh = await startWorkerMesh();
    reject = await startGatewayOn(mesh, { access: { mode: 'reject' } });
  }, 60_000);
  afterAll(async () => {
    await reject?.close();
    await mesh?.close();
  });

  // Customer.country needs a signed-in caller (the compiled supergraph puts @authenticated on it).
  const ATTACK = '{ customers(first: 3, filter: { country: "DE" }) { totalCount edges { node { id } } } }';

  it('refuses the literal filter with 403 FORBIDDEN_ARGUMENT and asks no product', async () => {
    mesh.clearQueryLogs();
    const result = await mesh.query(ATTACK, undefined, ANONYMOUS);
    expect(result.status).toBe(403);
    expect(result.body.data).toBeUndefined();
    expect(codes(result.body)).toEqual(['FORBIDDEN_ARGUMENT']);
    expect(result.body.errors?.[0]?.message).toBe('Not authorized to filter by: CustomerFilter.country exposes Customer.country, which requires authentication');
    expect(mesh.fetches('customers')).toEqual([]);
  });

  it('refuses it when the whole filter, or only the nested value, comes in a variable', async () => {
    const whole = await mesh.query('query ($f: CustomerFilter) { customers(first: 3, filter: $f) { totalCount } }', { f: { country: 'DE' } }, ANONYMOUS);
    expect([whole.status, codes(whole.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
    const nested = await mesh.query('query ($c: String) { customers(first: 3, filter: { segment: ENTERPRISE, country: $c }) { totalCount } }', { c: 'DE' }, ANONYMOUS);
    expect([nested.status, codes(nested.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
    const defaulted = await mesh.query('query ($c: String = "DE") { customers(first: 3, filter: { country: $c }) { totalCount } }', {}, ANONYMOUS);
    expect([defaulted.status, codes(defaulted.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
    // Filtering by "no country" is filtering by country too.
    const nulled = await mesh.query('{ customers(first: 3, filter: { country: null }) { totalCount } }', undefined, ANONYMOUS);
    expect([nulled.status, codes(nulled.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
  });

  it('refuses it inside a fragment, and in reject mode as in filter mode', async () => {
    const fragment = await mesh.query('{ ...Q } fragment Q on Query { customers(first: 1, filter: { country: "DE" }) { totalCount } }', undefined, ANONYMOUS);
    expect([fragment.status, codes(fragment.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
    const rejected = await postGraphQL(reject.url, { query: ATTACK });
    expect([rejected.status, codes(rejected.body)]).toEqual([403, ['FORBIDDEN_ARGUMENT']]);
  });

  it('serves the same filter to a caller who may read the field, and a variable left out filters nothing', async () => {
    const token = await mesh.token({ scope: '' });
    const signedIn = await mesh.query(ATTACK, undefined, { authorization: `Bearer ${token}` });
    expect(signedIn.body.errors).toBeUndefined();
    expect(signedIn.body.data.customers.totalCount).toBeGreaterThan(0);
    const everyone = await mesh.query('{ customers(first: 1) { totalCount } }', undefined, ANONYMOUS);
    const omitted = await mesh.query('query ($c: String) { customers(first: 1, filter: { country: $c }) { totalCount } }', {}, ANONYMOUS);
    expect(omitted.body.errors).toBeUndefined();
    expect(omitted.body.data).toEqual(everyone.body.data);
    // An open filter (Customer.segment is internal, with no access directive) stays open.
    const segment = await mesh.query('{ customers(first: 1, filter: { segment: ENTERPRISE }) { totalCount } }', undefined, ANONYMOUS);
    expect(segment.body.errors).toBeUndefined();
    expect(segment.body.data.customers.totalCount).toBeLessThan(everyone.body.data.customers.totalCount);
  });
});

describe('input fields at any depth', () => {
  const schema = buildSchema(`
    input Inner { secret: String, open: String }
    input Outer { inner: [Inner!], open: String }
    type Query { search(where: Outer, also: [Outer]): Int }
  `);
  const exposures = new Map([['Inner.secret', ['Vault.secret']]]);
  const refuse = (coordinate: string) => (coordinate === 'Vault.secret' ? 'requires scope vault:read' : null);
  const refused = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return refusedArguments(schema, document, document.definitions[0] as OperationDefinitionNode, variables, exposures, refuse).map((r) => r.argument);
  };

  it('finds an exposing input field through lists, nested objects and variables, and ignores open ones', () => {
    expect(refused('{ search(where: { inner: [{ open: "a" }, { secret: "x" }] }) }')).toEqual(['Inner.secret']);
    expect(refused('{ search(also: [{ inner: { secret: "x" } }]) }')).toEqual(['Inner.secret']);
    expect(refused('query ($w: Outer) { search(where: $w) }', { w: { inner: [{ secret: 'x' }] } })).toEqual(['Inner.secret']);
    expect(refused('query ($i: [Inner!]) { search(where: { inner: $i }) }', { i: { secret: 'x' } })).toEqual(['Inner.secret']);
    expect(refused('query ($w: Outer) { search(where: $w) }', { w: { inner: [{ open: 'x' }], open: 'y' } })).toEqual([]);
    expect(refused('query ($w: Outer) { search(where: $w) }', {})).toEqual([]);
  });
});

describe('type-level directives and renamed imports, through a real gateway', () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated", { name: "@requiresScopes", as: "@scopes" }])
    "A scalar only vault readers may see, wherever it is returned."
    scalar Secret @scopes(scopes: [["vault:read"]])
    "An enum only signed-in callers may see."
    enum Tier @authenticated { GOLD SILVER }
    type Query {
      secret: Secret
      tier: Tier
      open: String
      guarded: String @scopes(scopes: [["vault:read"]])
    }
  `);
  const resolvers = { Query: { secret: () => 's3cr3t', tier: () => 'GOLD', open: () => 'hello', guarded: () => 'guarded' } };
  let server: ApolloServer;
  let gateway: RunningGateway | undefined;
  let dir: string;
  let supergraph: string;
  let mesh: MeshHarness;

  beforeAll(async () => {
    // The mesh harness is used only for its token issuer; its gateway is not asked.
    mesh = await startWorkerMesh();
    server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = composeServices([{ name: 'vault', url, typeDefs }]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    // Composition writes the spec's own names; a supergraph may rename them on its link, and the gateway must follow.
    supergraph = composed.supergraphSdl
      .replace(
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY, import: [{name: "@requiresScopes", as: "@scopes"}])',
      )
      .replaceAll('@requiresScopes(', '@scopes(');
    expect(supergraph).toContain('scalar Secret');
    expect(supergraph).not.toContain('@requiresScopes(');
    dir = mkdtempSync(join(tmpdir(), 'meshgate-vault-'));
    writeFileSync(join(dir, 'supergraph.graphql'), supergraph);
    gateway = await startGateway(
      resolveGatewayConfig({ port: 0, supergraph: { file: join(dir, 'supergraph.graphql'), watch: false }, auth: mesh.auth, usage: { enabled: false }, catalog: { enabled: false } }),
    );
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
    await mesh?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a scalar and an enum by their own directives, and a field by a renamed one', async () => {
    const anonymous = await postGraphQL(gateway!.url, { query: '{ secret tier open guarded }' });
    expect(anonymous.body.data).toEqual({ secret: null, tier: null, open: 'hello', guarded: null });
    expect(anonymous.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['FORBIDDEN_FIELD', 'Not authorized to read Query.secret: it requires scope vault:read'],
      ['FORBIDDEN_FIELD', 'Not authorized to read Query.tier: it requires authentication'],
      ['FORBIDDEN_FIELD', 'Not authorized to read Query.guarded: it requires scope vault:read'],
    ]);
    const token = await mesh.token({ scope: 'vault:read' });
    const reader = await postGraphQL(gateway!.url, { query: '{ secret tier open guarded }' }, { authorization: `Bearer ${token}` });
    expect(reader.body.errors).toBeUndefined();
    expect(reader.body.data).toEqual({ secret: 's3cr3t', tier: 'GOLD', open: 'hello', guarded: 'guarded' });
  });

  it('counts scalar- and enum-level directives as access decisions, and refuses the undecided field in production', () => {
    expect(() => admitSupergraph(supergraph, { mode: 'production', allowUnclassifiedFields: false })).toThrow(
      expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringMatching(/serves 1 field\(s\) .*: Query\.open\. .*access\.allowUnclassifiedFields: true/) }),
    );
  });
});

describe('a supergraph composed elsewhere', () => {
  const foreign = readFileSync('test/fixtures/foreign-supergraph/supergraph.graphql', 'utf8');
  const anonymous: Principal = { authenticated: false, subject: null, scopes: new Set(), client: { name: null, version: null } };

  it('is refused in production unless unclassified fields are allowed, and served in development', () => {
    expect(() => admitSupergraph(foreign, { mode: 'production', allowUnclassifiedFields: false })).toThrow(
      expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringContaining('Book.title') }),
    );
    expect(() => admitSupergraph(foreign, { mode: 'production', allowUnclassifiedFields: true })).not.toThrow();
    expect(() => admitSupergraph(foreign, { mode: 'development', allowUnclassifiedFields: false })).not.toThrow();
  });

  it('gets exactly its own directives: no policy or classification of our demo applies to it', () => {
    const access = new FieldAccess();
    // A demo policy name, which our supergraph defines, means nothing here: the supergraph does not define it.
    access.load(readSupergraphModel(foreign.replace('title: String! @join__field(graph: BOOKS)', 'title: String! @join__field(graph: BOOKS) @policy(policies: [["customer-data-steward"]])')));
    expect(access.refusal('Book.title', { ...anonymous, authenticated: true, scopes: new Set(['pii:read']) })).toBe('falls under policy "customer-data-steward", which the supergraph does not define');
    expect(access.refusal('Book.year', anonymous)).toBeNull();
    expect(access.exposures.size).toBe(0);
  });
});
