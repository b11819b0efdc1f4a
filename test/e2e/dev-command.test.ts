import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../schema/contracts/mesh.ts';
import type { MeshError } from '../../schema/protocol/error-codes.ts';
import { readMeshFolder, readRegistryMesh } from '../../gateway/onboarding/dev-mesh.ts';
import { startDevSession } from '../../gateway/cli/dev-session.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { closeProducts, postGraphQL, startProducts, type MeshProducts } from '../support/mesh-harness.ts';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { startReviewsProduct, type RunningReviews } from '../fixtures/foreign-product/reviews-server.ts';
import { readmeShellBlocks } from '../support/readme-shell.ts';

/**
 * `meshgate dev` as a product team runs it, with the README's command lines: in their
 * product's folder, beside a mesh folder (`--root`) in which the product is already
 * published, or a registry's current mesh (`--registry`, served here by a small server that
 * answers as the registry API says), with their product server running. Saving the SDL
 * recomposes and reloads the local gateway, and a breaking edit is reported.
 */
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'foreign-product');
const KEYS = Object.fromEntries([...DEMO_MESH.map((m) => m.name), 'reviews'].map((name) => [name, randomBytes(24).toString('base64url')]));
const SIGNING_KEYS = JSON.stringify(Object.fromEntries(Object.entries(KEYS).map(([name, key]) => [name, [key]])));
const REGISTRY_TOKEN = randomBytes(16).toString('hex');

/** The README's two `meshgate dev` lines, by the mesh they name. */
const [ROOT_COMMAND, REGISTRY_COMMAND] = (readmeShellBlocks('Develop a product')[1] ?? []).map((line) => /^npx meshgate dev --url (\S+) --(root|registry) (\S+)$/.exec(line));

let work: string;
let root: string;
let productDir: string;
let products: MeshProducts | undefined;
let reviews: RunningReviews | undefined;
let registry: Server | undefined;
let registryUrl: string;
const clis: CliProcess[] = [];
/** The two `meshgate dev` runs, started together in beforeAll: each spends most of its time starting. */
let rootDev: CliProcess;
let registryDev: CliProcess;
const savedKeys = process.env.MESHGATE_SIGNING_KEYS;

/** The mesh folder: the demo products' contracts and baselines, and `reviews` as published. */
function layOutMesh(): void {
  for (const member of DEMO_MESH) {
    const dir = join(root, 'subgraphs', member.name);
    mkdirSync(dir, { recursive: true });
    for (const file of ['product.yaml', 'schema.graphql']) cpSync(join(member.definition.dir, file), join(dir, file));
  }
  cpSync(join(REPO_ROOT, 'schema', 'governance.yaml'), join(root, 'schema', 'governance.yaml'));
  cpSync(join(REPO_ROOT, 'schema', 'published'), join(root, 'schema', 'published'), { recursive: true });
  for (const dir of [join(root, 'subgraphs', 'reviews'), join(root, 'schema', 'published', 'reviews'), productDir]) {
    mkdirSync(dir, { recursive: true });
    for (const file of ['product.yaml', 'schema.graphql']) cpSync(join(FIXTURE, file), join(dir, file));
  }
}

const reviewsKey = () => [Buffer.from(KEYS.reviews!, 'utf8')];

const text = (path: string) => readFileSync(path, 'utf8');

/** `GET /v1/mesh` and `GET /v1/products/:name/baseline` as the registry API defines them, over the mesh folder. */
function startRegistry(): Promise<Server> {
  const names = [...DEMO_MESH.map((member) => member.name), 'reviews'];
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${REGISTRY_TOKEN}`) return send(401, { error: { code: 'UNAUTHENTICATED', message: 'A registry token is required' } });
    if (req.url === '/v1/mesh') {
      const products = names.map((name) => {
        const dir = join(root, 'subgraphs', name);
        return { name, version: '1.0.0', descriptor: text(join(dir, 'product.yaml')), sdl: text(join(dir, 'schema.graphql')), publishedBy: 'test', publishedAt: '2026-01-01T00:00:00Z' };
      });
      return send(200, { build: 1, products, governance: text(join(root, 'schema', 'governance.yaml')) });
    }
    const baseline = /^\/v1\/products\/([a-z-]+)\/baseline$/.exec(req.url ?? '');
    if (baseline && names.includes(baseline[1]!)) {
      const dir = join(root, 'schema', 'published', baseline[1]!);
      return send(200, { name: baseline[1], version: '1.0.0', descriptor: text(join(dir, 'product.yaml')), sdl: text(join(dir, 'schema.graphql')) });
    }
    return send(404, { error: { code: 'NOT_FOUND', message: 'No such route' } });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** `node bin/meshgate.js` with the README's `meshgate dev` arguments, from the product's folder, on a free port. */
function runDev(args: string[], env: Record<string, string> = {}): CliProcess {
  const urls = Object.fromEntries(Object.entries(products!).map(([name, p]) => [`MESHGATE_SUBGRAPH_URL_${name.toUpperCase().replaceAll('-', '_')}`, p.running.url]));
  const cli = runCli(['dev', ...args, '--port', '0'], { ...urls, MESHGATE_SIGNING_KEYS: SIGNING_KEYS, ...env }, { cwd: productDir, script: join(REPO_ROOT, 'bin', 'meshgate.js') });
  clis.push(cli);
  return cli;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshgate-dev-test-'));
  productDir = join(work, 'reviews-repo');
  // Where the README's --root points, from the product's folder.
  root = join(productDir, ROOT_COMMAND?.[3] ?? 'mesh');
  mkdirSync(join(root, 'schema'), { recursive: true });
  layOutMesh();
  process.env.MESHGATE_SIGNING_KEYS = SIGNING_KEYS;
  products = await startProducts();
  reviews = await startReviewsProduct(reviewsKey(), { dir: productDir });
  registry = await startRegistry();
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  rootDev = runDev(['--url', reviews.url, '--root', ROOT_COMMAND?.[3] ?? '../mesh']);
  registryDev = runDev(['--url', reviews.url, '--registry', registryUrl], { MESHGATE_REGISTRY_TOKEN: REGISTRY_TOKEN });
});

afterAll(async () => {
  await Promise.all(clis.map((cli) => cli.stop()));
  registry?.closeAllConnections();
  await new Promise((resolve) => registry?.close(resolve) ?? resolve(undefined));
  await reviews?.close();
  if (products) await closeProducts(products);
  if (work) rmSync(work, { recursive: true, force: true });
  if (savedKeys === undefined) delete process.env.MESHGATE_SIGNING_KEYS;
  else process.env.MESHGATE_SIGNING_KEYS = savedKeys;
});

/** Edits the working copy: SDL and descriptor, as a developer saves them. */
function edit(file: 'schema.graphql' | 'product.yaml', change: (text: string) => string): void {
  const path = join(productDir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

describe('meshgate dev --root', () => {
  it('serves the working copy beside the mesh, reloads on save and reports a breaking edit', async () => {
    expect(ROOT_COMMAND, 'README: npx meshgate dev --url <url> --root <dir>').toBeTruthy();
    const cli = rootDev;
    const gateway = await cli.waitFor(/gateway ready at (http:\/\/\S+)/);
    expect(cli.output()).toContain(`reviews -> ${reviews!.url} (yours)`);
    expect(cli.output()).toMatch(/meshgate check: \d+ products pass every rule/);

    const before = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { name reviews { stars } } }' });
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.product.reviews).toEqual([{ stars: 5 }, { stars: 4 }]);
    expect(typeof before.body.data.product.name).toBe('string');

    // A new field: the developer saves the SDL and descriptor, and their server restarts with it.
    edit('schema.graphql', (sdl) =>
      sdl.replace('  "What the customer wrote."\n  text: String!\n', '  "What the customer wrote."\n  text: String!\n  "How many readers found it helpful."\n  helpfulVotes: Int!\n'),
    );
    edit('product.yaml', (yaml) =>
      yaml
        .replace('  Review.text: { classification: public }\n', '  Review.text: { classification: public }\n  Review.helpfulVotes: { classification: public }\n')
        .replace('version: 1.0.0', 'version: 1.1.0'),
    );
    const port = new URL(reviews!.url).port;
    await reviews!.close();
    reviews = await startReviewsProduct(reviewsKey(), { dir: productDir, port: Number(port) });
    await cli.waitFor(/change \d+: (gateway reloaded)/);
    const added = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { reviews { stars helpfulVotes } } }' });
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.product.reviews).toEqual([
      { stars: 5, helpfulVotes: 12 },
      { stars: 4, helpfulVotes: 3 },
    ]);

    // A breaking edit: a published field removed without deprecation.
    const seen = cli.output().length;
    edit('schema.graphql', (sdl) => sdl.replace('  "Average stars, or null without reviews."\n  averageStars: Float\n', ''));
    edit('product.yaml', (yaml) => yaml.replace('  Product.averageStars: { classification: public }\n', ''));
    // The next reload after everything printed so far.
    await cli.waitFor(new RegExp(`^[\\s\\S]{${seen}}[\\s\\S]*change \\d+: (gateway reloaded)`));
    const report = cli.output().slice(seen);
    expect(report).toMatch(/reviews\n\s+✗ compat\/\S+\s+Product\.averageStars/);
    expect(report).toMatch(/meshgate check: \d+ failures?; 1 of \d+ products fail/);

    // A descriptor saved half-typed is reported and not composed: the gateway keeps the product.
    edit('product.yaml', (yaml) => yaml.replace(/^version: .*$/m, 'version: one'));
    await cli.waitFor(/(working copy is not valid) \(see the findings above\): not recomposed/);
    expect(cli.output()).toMatch(/✗ descriptor\/invalid\s+version/);
    const kept = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { reviews { helpfulVotes } } }' });
    expect(kept.body.data.product.reviews).toEqual([{ helpfulVotes: 12 }, { helpfulVotes: 3 }]);
  });

  it('names a --url or --root it cannot use (CONFIG_INVALID)', async () => {
    await expect(startDevSession({ url: 'localhost:4010', root, dir: productDir })).rejects.toThrow(
      /^CONFIG_INVALID: --url is invalid:\n {2}- must be the http\(s\) URL your product serves GraphQL at/,
    );
    expect(() => readMeshFolder(productDir)).toThrow(
      /^CONFIG_INVALID: --root .* is invalid:\n {2}- .*subgraphs does not exist: a mesh folder holds subgraphs\/<product>\/ and schema\/governance.yaml/,
    );
  });
});

describe('meshgate dev --registry', () => {
  it("composes the working copy with the registry's current mesh (GET /v1/mesh), with a token", async () => {
    expect(REGISTRY_COMMAND, 'README: npx meshgate dev --url <url> --registry <url>').toBeTruthy();
    const cli = registryDev;
    const gateway = await cli.waitFor(/gateway ready at (http:\/\/\S+)/);
    expect(cli.output()).toContain(`beside ${DEMO_MESH.length} products of ${registryUrl}`);
    const result = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { name reviews { stars } } }' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.product.reviews.map((review: { stars: number }) => review.stars)).toEqual([5, 4]);
  });

  it("is refused with UNAUTHENTICATED, naming the registry's answer, without a token or with one the registry refuses", async () => {
    const refusal = (token: string | undefined) =>
      readRegistryMesh(registryUrl, token, 'reviews').then(
        () => undefined,
        (error: MeshError) => `${error.code}: ${error.message}`,
      );
    expect(await refusal(undefined)).toBe('UNAUTHENTICATED: The registry needs a token: pass --token or set MESHGATE_REGISTRY_TOKEN');
    expect(await refusal('not-the-token')).toBe('UNAUTHENTICATED: The registry refused GET /v1/mesh (HTTP 401 UNAUTHENTICATED: A registry token is required)');
  });
});
