import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRegistry } from '../support/registry-call.ts';
import { resolveGatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH, parseGovernance } from '../../schema/contracts/governance.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { RegistrySigningSecrets, signingKeyRoutes } from '../../schema/registry/signing-key-handout.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { admitSupergraph } from '../../schema/supergraph/supergraph-admission.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * Issue 22, "every build is servable": a product team's publish that composes into a
 * supergraph a gateway refuses (at start, or on reload) is refused by the registry, with the
 * gateway's own code (SUPERGRAPH_INVALID) and reason, for each rule the gateway admits by
 * (schema/supergraph/supergraph-admission.ts). Gateways polling the registry keep serving, and
 * a new replica still starts.
 *
 * The product is a source product of the demo (no input ports), taken from its published baseline.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const member = DEMO_MESH.find((m) => loadDescriptor(join(m.definition.dir, 'product.yaml')).inputPorts.length === 0)!;
const PRODUCT = member.name;
const baselineDir = join(ROOT, 'schema', 'published', PRODUCT);
const BASE = { product: PRODUCT, descriptor: readFileSync(join(baselineDir, 'product.yaml'), 'utf8'), sdl: readFileSync(join(baselineDir, 'schema.graphql'), 'utf8') };
const VERSION = loadDescriptor(join(baselineDir, 'product.yaml')).version;
const GOVERNANCE = readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8');
/** A policy central governance defines: the one a hostile product redefines. */
const POLICY = Object.keys(parseGovernance(GOVERNANCE, 'governance').policies)[0]!;
const TOKENS = { platform: 'platform-token-0123456789', gateway: 'gateway-token-0123456789', product: 'product-token-0123456789' };

/** A minor release of the baseline with `sdl` appended and `fields` classified in the descriptor. */
function candidate(extraSdl: string, classified: readonly string[] = [], editSdl: (sdl: string) => string = (sdl) => sdl) {
  return {
    product: PRODUCT,
    descriptor: BASE.descriptor
      .replace(`version: ${VERSION}`, `version: ${inc(VERSION, 'minor')}`)
      .replace(/^fields:\n/m, `fields:\n${classified.map((c) => `  ${c}: { classification: public }\n`).join('')}`),
    sdl: `${editSdl(BASE.sdl)}\n${extraSdl}\n`,
  };
}

/**
 * One candidate per admission rule a product's SDL can trip, with what the gateway's refusal says.
 * (The other rule, "SDL that parses and routes to a product", no composition can break: the
 * gateway-side test in test/security/contract-enforcement.test.ts holds it.)
 */
const RULES: { rule: string; candidate: ReturnType<typeof candidate>; reason: RegExp }[] = [
  {
    rule: "a policy of governance defined again by the product (the gateway reads each policy's one definition)",
    candidate: candidate(`extend schema @meshgate__policy(name: ${JSON.stringify(POLICY)}, requiresScopes: [], requiresAuthentication: false)`),
    reason: new RegExp(`policy "${POLICY}" is defined twice`),
  },
  {
    rule: 'a classification level the gateway cannot map to scopes',
    candidate: candidate('extend type Query {\n  "A probe."\n  levelProbe: String @meshgate__classified(level: "top-secret")\n}'),
    reason: /Query\.levelProbe is classified "top-secret", which is none of public, internal, confidential, restricted/,
  },
  {
    rule: 'a served field with no classification and no access directive (production)',
    candidate: candidate('extend type Query {\n  "A probe."\n  openProbe: String\n}'),
    reason: /serves 1 field\(s\) with no classification and no access directive .*: Query\.openProbe\./,
  },
  {
    rule: 'a supergraph Apollo Gateway cannot build (a linked feature it does not support: @context)',
    candidate: candidate(
      '"A probe."\ntype ContextProbe @key(fields: "id") {\n  "Its id."\n  id: ID!\n  "A value from the context."\n  value(from: String @fromContext(field: "$probe { name }")): String\n}\n' +
        '"A probe."\ntype ContextHolder @context(name: "probe") {\n  "A name."\n  name: String\n  "The probe."\n  probe: ContextProbe\n}\nextend type Query {\n  "A probe."\n  contextHolder: ContextHolder\n}',
      ['ContextProbe.id', 'ContextProbe.value', 'ContextHolder.name', 'ContextHolder.probe', 'Query.contextHolder'],
      (sdl) => sdl.replace(/(@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \[)/, '$1"@context", "@fromContext", '),
    ),
    reason: /Apollo Gateway cannot build a schema from the supergraph: .*feature https:\/\/specs\.apollo\.dev\/context\/v0\.1 is for: SECURITY but is unsupported/,
  },
];

let dir: string;
let registry: Registry;
let server: RunningRegistry;
const gateways: RunningGateway[] = [];

const call = (method: string, path: string, token: string, body?: unknown) => callRegistry(server.url, method, path, token, body);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'registry-admission-'));
  registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: GOVERNANCE });
  const tokens = new RegistryTokens({
    tokens: [
      { kind: 'platform', name: 'platform', token: TOKENS.platform },
      { kind: 'gateway', name: 'edge', token: TOKENS.gateway },
      { kind: 'product', name: `${PRODUCT}-team`, product: PRODUCT, token: TOKENS.product },
    ],
  });
  // As `meshgate registry serve` runs it: gateways serving from it take the products' signing keys from it too.
  const signing = RegistrySigningSecrets.open({ env: {}, file: join(dir, 'signing-secrets') });
  server = await startRegistryServer({ registry, tokens, log: () => {}, routes: signingKeyRoutes(signing) });
  const imported = await call('POST', '/v1/import', TOKENS.platform, { products: [BASE] });
  expect(imported.status, JSON.stringify(imported.body)).toBe(201);
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await server?.close();
  await registry?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const notServable = (findings: { rule: string; code: string; message: string }[] | undefined) => (findings ?? []).filter((f) => f.rule === 'supergraph/not-servable');

describe('the registry admits a build by the rules every gateway applies', () => {
  it.each(RULES)('$rule: the check reports it and the publish is refused with SUPERGRAPH_INVALID; no build is stored', async ({ candidate: sent, reason }) => {
    const before = (await call('GET', '/v1/builds', TOKENS.platform)).body.length;
    const check = await call('POST', '/v1/check', TOKENS.product, sent);
    expect(check.status).toBe(200);
    expect(check.body.ok).toBe(false);
    expect(notServable(check.body.findings)).toEqual([expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringMatching(reason) })]);

    const publish = await call('POST', `/v1/products/${PRODUCT}/versions`, TOKENS.product, sent);
    expect([publish.status, publish.body.error?.code]).toEqual([422, MeshErrorCode.PUBLISH_REFUSED]);
    expect(notServable(publish.body.error.findings)).toEqual([expect.objectContaining({ code: MeshErrorCode.SUPERGRAPH_INVALID, message: expect.stringMatching(reason) })]);
    expect((await call('GET', '/v1/builds', TOKENS.platform)).body.length).toBe(before);
  });

  it('the baseline itself is a build the gateway admits, under the strictest rules', async () => {
    const current = await call('GET', '/v1/supergraph', TOKENS.gateway);
    expect(current.status).toBe(200);
    expect(() => admitSupergraph(current.body, { mode: 'production', allowUnclassifiedFields: false })).not.toThrow();
  });
});

describe('a real gateway polling the registry', () => {
  const startFromRegistry = () =>
    startGateway(
      resolveGatewayConfig({ port: 0, registry: { url: server.url, token: TOKENS.gateway }, supergraph: { pollIntervalMs: 100 }, usage: { enabled: false }, catalog: { enabled: false } }),
    ).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });

  it('keeps serving the build it has after the shadowing publish is refused, and a new replica still starts', async () => {
    const first = await startFromRegistry();
    const serving = first.state();
    expect(serving.phase).toBe('serving');
    const shadowing = RULES[0]!.candidate;
    const publish = await call('POST', `/v1/products/${PRODUCT}/versions`, TOKENS.product, shadowing);
    expect([publish.status, publish.body.error?.code]).toEqual([422, MeshErrorCode.PUBLISH_REFUSED]);

    // A replica started now takes the registry's current build: it must be one it can serve.
    const second = await startFromRegistry();
    const hashOf = (state: ReturnType<RunningGateway['state']>) => (state.phase === 'serving' ? state.hash : state.phase);
    expect(hashOf(second.state())).toBe(hashOf(serving));
    // The first gateway has polled meanwhile (every 100 ms, while the replica started): it serves the same build and refused nothing.
    expect(first.state()).toMatchObject({ phase: 'serving', hash: hashOf(serving) });
    expect((first.state() as { refused?: unknown }).refused).toBeUndefined();
  });
});
