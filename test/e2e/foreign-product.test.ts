import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeProducts, readProductInterface } from '../../schema/contracts/compose.ts';
import { signatureHeader } from '../../schema/protocol/signature.ts';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { DEMO_MESH, defaultProductUrl } from '../../subgraphs/demo-mesh.ts';
import { closeProducts, startGatewayFor, startProducts, type MeshHarness } from '../support/mesh-harness.ts';
import { SignatureCheck, type Reason, type Refusal } from '../fixtures/foreign-product/signature-check.ts';
import { startReviewsProduct, type RunningReviews } from '../fixtures/foreign-product/reviews-server.ts';

/**
 * A product written without the kit joins the mesh: a plain Apollo subgraph with a
 * signature check written from schema/protocol/PROTOCOL.md alone
 * (test/fixtures/foreign-product/), composed with the demo products and served by the real
 * gateway, which signs its fetches to it like any other product's.
 */
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'foreign-product');
const VECTORS = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'protocol', 'test-vectors.json'), 'utf8')) as {
  keys: Record<string, { secretBase64url: string }>;
  verifications: {
    name: string;
    product: string;
    acceptedKeys: string[];
    maxSkewMs: number;
    requests: { header: string | string[] | null; body: string; now: number; expect: 'accepted' | { code: Refusal; reason: Reason } }[];
  }[];
};

/** Each product's own key, as an operator hands them out: the production path (MESHGATE_SIGNING_KEYS). */
const KEYS = Object.fromEntries([...DEMO_MESH.map((m) => m.name), 'reviews'].map((name) => [name, randomBytes(24).toString('base64url')]));

let reviews: RunningReviews;
let mesh: MeshHarness;
let dir: string;
const savedKeys = process.env.MESHGATE_SIGNING_KEYS;

beforeAll(async () => {
  process.env.MESHGATE_SIGNING_KEYS = JSON.stringify(Object.fromEntries(Object.entries(KEYS).map(([name, key]) => [name, [key]])));
  // The foreign product is given its own key only, as PROTOCOL.md 3.1 says: the key's bytes are the string's UTF-8.
  reviews = await startReviewsProduct([Buffer.from(KEYS.reviews!, 'utf8')]);
  const products = await startProducts();
  try {
    const composed = composeProducts([...DEMO_MESH.map((member) => readProductInterface(member.definition.dir, defaultProductUrl(member))), readProductInterface(FIXTURE, reviews.url)]);
    if (!composed.ok) throw new Error(composed.errors.join('\n'));
    dir = mkdtempSync(join(tmpdir(), 'meshgate-foreign-'));
    writeFileSync(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
    mesh = await startGatewayFor(products, { supergraph: { file: join(dir, 'supergraph.graphql') }, subgraphUrls: { reviews: reviews.url } }, {}, () => closeProducts(products));
  } catch (error) {
    await closeProducts(products);
    throw error;
  }
});

afterAll(async () => {
  await mesh?.close();
  await reviews?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (savedKeys === undefined) delete process.env.MESHGATE_SIGNING_KEYS;
  else process.env.MESHGATE_SIGNING_KEYS = savedKeys;
});

describe('a product built without the kit', () => {
  it('imports nothing of ours: only Node, Apollo, graphql and its own files', () => {
    for (const file of ['reviews-server.ts', 'signature-check.ts']) {
      const specifiers = [...readFileSync(join(FIXTURE, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]!);
      expect(specifiers.length, file).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(specifier, file).toMatch(/^(node:|@apollo\/server|@apollo\/subgraph$|graphql$|\.\/[\w-]+\.ts$)/);
    }
  });

  it("has a signature check that passes every case of the protocol's test vectors", () => {
    for (const vector of VECTORS.verifications) {
      let now = 0;
      const check = new SignatureCheck(
        vector.product,
        vector.acceptedKeys.map((name) => Buffer.from(VECTORS.keys[name]!.secretBase64url, 'base64url')),
        vector.maxSkewMs,
        () => now,
      );
      for (const request of vector.requests) {
        now = request.now;
        const outcome = check.check(request.header ?? undefined, Buffer.from(request.body, 'utf8')) ?? 'accepted';
        expect(outcome, vector.name).toEqual(request.expect === 'accepted' ? 'accepted' : { code: request.expect.code, reason: request.expect.reason });
      }
    }
  });

  it('answers its part of a cross-product query through the real gateway, and reports itself', async () => {
    const result = await mesh.query('{ product(sku: "SKU-0001") { sku name reviews { stars text } averageStars } }');
    expect(result.body.errors).toBeUndefined();
    const product = result.body.data.product;
    // `name` comes from the catalog product, `reviews` from the foreign one, joined on sku.
    expect(product).toMatchObject({
      sku: 'SKU-0001',
      reviews: [
        { stars: 5, text: 'Sturdy and well made.' },
        { stars: 4, text: 'Good value.' },
      ],
      averageStars: 4.5,
    });
    expect(typeof product.name).toBe('string');
    expect(mesh.fetches('catalog').length).toBeGreaterThan(0);
    expect(reviews.accepted.length).toBeGreaterThan(0);
    expect(result.body.extensions?.dataProducts).toContainEqual(expect.objectContaining({ name: 'reviews', version: '1.0.0', dataAsOf: '2026-01-01T06:00:00.000Z' }));
  });

  it('refuses unsigned, forged and replayed requests with the protocol codes', async () => {
    const ask = async (headers: Record<string, string>, body: string | Buffer = '{"query":"{ _service { sdl } }"}') => {
      const response = await fetch(reviews.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const parsed = (await response.json()) as { errors?: { extensions: { code: string; reason?: string } }[] };
      return { status: response.status, code: parsed.errors?.[0]?.extensions.code, reason: parsed.errors?.[0]?.extensions.reason };
    };
    expect(await ask({})).toEqual({ status: 401, code: 'SIGNATURE_MISSING', reason: 'missing' });
    const captured = reviews.accepted[0]!;
    // Captured from the gateway's own traffic: replayed as is, or with another body, or re-signed with another product's key.
    expect(await ask({ 'x-meshgate-signature': captured.header }, captured.body)).toEqual({ status: 401, code: 'SIGNATURE_REPLAYED', reason: 'replayed' });
    expect(await ask({ 'x-meshgate-signature': captured.header }, '{"query":"{ _service { sdl } }"}')).toEqual({ status: 401, code: 'SIGNATURE_INVALID', reason: 'mismatch' });
    const body = '{"query":"{ __typename }"}';
    expect(await ask({ 'x-meshgate-signature': signatureHeader(signingKey(KEYS.catalog!), 'reviews', body) }, body)).toEqual({ status: 401, code: 'SIGNATURE_INVALID', reason: 'unknown-key' });
    expect(await ask({ 'x-meshgate-signature': signatureHeader(signingKey(KEYS.reviews!), 'reviews', body, Date.now() - 600_000) }, body)).toEqual({
      status: 401,
      code: 'SIGNATURE_EXPIRED',
      reason: 'expired',
    });
    // And the real key, fresh, is answered: the refusals above are not a product that refuses everything.
    expect(await ask({ 'x-meshgate-signature': signatureHeader(signingKey(KEYS.reviews!), 'reviews', body) }, body)).toEqual({ status: 200, code: undefined, reason: undefined });
  });
});
