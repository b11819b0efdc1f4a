import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRegistry } from '../support/registry-call.ts';
import { wideContract, type Contract } from '../../bench/registry/wide-contract.ts';
import { loadDescriptor } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { DEFAULT_CHECK_LIMITS, type CheckLimits } from '../../schema/registry/check-limits.ts';
import { openRegistryStore } from '../../schema/registry/open-registry-store.ts';
import { startRegistryServer, type RunningRegistry } from '../../schema/registry/registry-server.ts';
import { RegistryTokens } from '../../schema/registry/registry-tokens.ts';
import { Registry } from '../../schema/registry/registry.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';

/**
 * Issue 22, "one check stalls the registry": any product token could send a contract whose
 * check held the registry's event loop for minutes. Every contract is now held to limits
 * (CONTRACT_TOO_LARGE, naming the limit and its value) before anything runs, checks run off
 * the event loop, and a check past its time budget is stopped (CHECK_TIMEOUT).
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const member = DEMO_MESH.find((m) => loadDescriptor(join(m.definition.dir, 'product.yaml')).inputPorts.length === 0)!;
const PRODUCT = member.name;
const baselineDir = join(ROOT, 'schema', 'published', PRODUCT);
const BASE: Contract = { product: PRODUCT, descriptor: readFileSync(join(baselineDir, 'product.yaml'), 'utf8'), sdl: readFileSync(join(baselineDir, 'schema.graphql'), 'utf8') };
const VERSION = loadDescriptor(join(baselineDir, 'product.yaml')).version;
const TOKENS = { platform: 'platform-token-0123456789', gateway: 'gateway-token-0123456789', product: 'product-token-0123456789' };

interface Rig {
  dir: string;
  registry: Registry;
  server: RunningRegistry;
  call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
}
const rigs: Rig[] = [];

/** A registry on the embedded store with `limits`, serving over HTTP, with the product's baseline imported. */
async function startRig(limits: CheckLimits): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-limits-'));
  const registry = await Registry.open(await openRegistryStore(join(dir, 'registry.duckdb')), { governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8'), limits });
  const tokens = new RegistryTokens({
    tokens: [
      { kind: 'platform', name: 'platform', token: TOKENS.platform },
      { kind: 'gateway', name: 'edge', token: TOKENS.gateway },
      { kind: 'product', name: `${PRODUCT}-team`, product: PRODUCT, token: TOKENS.product },
    ],
  });
  const server = await startRegistryServer({ registry, tokens, log: () => {} });
  const call: Rig['call'] = (method, path, token, body) => callRegistry(server.url, method, path, token, body);
  const rig = { dir, registry, server, call };
  rigs.push(rig);
  return rig;
}

afterAll(async () => {
  for (const rig of rigs) {
    await rig.server.close();
    await rig.registry.close();
    rmSync(rig.dir, { recursive: true, force: true });
  }
});

const SMALL: CheckLimits = { ...DEFAULT_CHECK_LIMITS, maxSdlBytes: 64 * 1024, maxDescriptorBytes: 64 * 1024, maxTypes: 50, maxFieldsPerType: 100, maxElements: 1_000 };

describe('contracts over a limit: 413 CONTRACT_TOO_LARGE naming the limit and its value, on check, publish and import; nothing stored', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(SMALL);
    expect((await rig.call('POST', '/v1/import', TOKENS.platform, { products: [BASE] })).status).toBe(201);
  });

  const OVER: { limit: keyof CheckLimits; contract: () => Contract; message: RegExp }[] = [
    {
      limit: 'maxSdlBytes',
      contract: () => ({ ...BASE, sdl: `${BASE.sdl}\n# ${'x'.repeat(SMALL.maxSdlBytes)}\n` }),
      message: /the SDL has \d+ bytes, over the registry's limit limits\.maxSdlBytes = 65536/,
    },
    {
      limit: 'maxDescriptorBytes',
      contract: () => ({ ...BASE, descriptor: `${BASE.descriptor}\n# ${'x'.repeat(SMALL.maxDescriptorBytes)}\n` }),
      message: /the descriptor has \d+ bytes, over the registry's limit limits\.maxDescriptorBytes = 65536/,
    },
    {
      limit: 'maxFieldsPerType',
      contract: () => wideContract(BASE, VERSION, 1, SMALL.maxFieldsPerType + 1),
      message: /type WideProbe0 has 101 fields, over the registry's limit limits\.maxFieldsPerType = 100/,
    },
    { limit: 'maxTypes', contract: () => wideContract(BASE, VERSION, SMALL.maxTypes, 1), message: /the SDL defines \d+ types, over the registry's limit limits\.maxTypes = 50/ },
    {
      limit: 'maxElements',
      contract: () => wideContract(BASE, VERSION, 12, SMALL.maxFieldsPerType - 1),
      message: /the SDL has \d+ fields, arguments, input fields and enum values, over the registry's limit limits\.maxElements = 1000/,
    },
    {
      // No new element and few bytes, but many tokens: one directive argument of 9,000 empty lists.
      limit: 'maxElements',
      contract: () => ({ ...BASE, sdl: `${BASE.sdl}\nextend schema @link(url: "https://example.com/x/v1.0", import: [${'[] '.repeat(9_000)}])\n` }),
      message: /the SDL has more than 16000 tokens, over the registry's limit limits\.maxElements = 1000/,
    },
  ];

  it.each(OVER)('$limit', async ({ contract, message }) => {
    const sent = contract();
    const builds = (await rig.call('GET', '/v1/builds', TOKENS.platform)).body.length;
    const checks = (await rig.call('GET', `/v1/products/${PRODUCT}/checks`, TOKENS.platform)).body.length;
    for (const [path, token, body] of [
      ['/v1/check', TOKENS.product, sent],
      [`/v1/products/${PRODUCT}/versions`, TOKENS.product, sent],
      ['/v1/import', TOKENS.platform, { products: [sent] }],
    ] as const) {
      const refused = await rig.call('POST', path, token, body);
      expect([path, refused.status, refused.body.error?.code]).toEqual([path, 413, MeshErrorCode.CONTRACT_TOO_LARGE]);
      expect(refused.body.error.message).toMatch(message);
    }
    expect((await rig.call('GET', '/v1/builds', TOKENS.platform)).body.length).toBe(builds);
    expect((await rig.call('GET', `/v1/products/${PRODUCT}/checks`, TOKENS.platform)).body.length).toBe(checks);
  });
});

describe('with the default limits', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(DEFAULT_CHECK_LIMITS);
    expect((await rig.call('POST', '/v1/import', TOKENS.platform, { products: [BASE] })).status).toBe(201);
  });

  it("the issue's attack, one type of 15,000 undocumented fields (about 200 KiB), is refused before it is checked", async () => {
    const sdl = `${BASE.sdl}\ntype Wide {\n${Array.from({ length: 15_000 }, (_, i) => `  f${i}: Int`).join('\n')}\n}\n`;
    const refused = await rig.call('POST', '/v1/check', TOKENS.product, { ...BASE, sdl });
    expect([refused.status, refused.body.error?.code]).toEqual([413, MeshErrorCode.CONTRACT_TOO_LARGE]);
    expect(refused.body.error.message).toMatch(/type Wide has 15000 fields, over the registry's limit limits\.maxFieldsPerType = 1000/);
  });

  it('during a large allowed check, /healthz and the supergraph gateways poll keep answering, and the check then passes', async () => {
    // Near the limits: as many full types as the descriptor's bytes allow.
    const large = wideContract(BASE, VERSION, 7, DEFAULT_CHECK_LIMITS.maxFieldsPerType);
    let settled = false;
    const check = rig.call('POST', '/v1/check', TOKENS.product, large).finally(() => {
      settled = true;
    });
    // The registry reads the body and starts the check; meanwhile each of these needs the event loop.
    const answered: number[] = [];
    for (let i = 0; i < 20; i++) {
      answered.push((await rig.call('GET', '/healthz', TOKENS.gateway)).status, (await rig.call('GET', '/v1/supergraph', TOKENS.gateway)).status);
    }
    expect(settled).toBe(false);
    expect(new Set(answered)).toEqual(new Set([200]));
    const outcome = await check;
    expect([outcome.status, outcome.body.ok, outcome.body.findings]).toEqual([200, true, []]);
  });
});

describe('a check past its time budget', () => {
  it('is stopped with 503 CHECK_TIMEOUT naming limits.checkTimeoutMs; nothing is stored, and the registry keeps answering and checking', async () => {
    // A budget no check meets: starting the check thread alone takes longer.
    const rig = await startRig({ ...DEFAULT_CHECK_LIMITS, checkTimeoutMs: 1 });
    const refused = await rig.call('POST', '/v1/import', TOKENS.platform, { products: [BASE] });
    expect([refused.status, refused.body.error?.code]).toEqual([503, MeshErrorCode.CHECK_TIMEOUT]);
    expect(refused.body.error.message).toMatch(/limits\.checkTimeoutMs = 1 and was stopped; nothing was stored/);
    expect((await rig.call('GET', '/v1/builds', TOKENS.platform)).body).toEqual([]);
    expect((await rig.call('GET', '/healthz', TOKENS.platform)).status).toBe(200);
    const again = await rig.call('POST', '/v1/check', TOKENS.product, BASE);
    expect([again.status, again.body.error?.code]).toEqual([503, MeshErrorCode.CHECK_TIMEOUT]);
  });
});
