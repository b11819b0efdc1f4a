import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../schema/mesh.ts';
import { DEMO_MESH } from '../../subgraphs/demo-mesh.ts';
import { closeProducts, postGraphQL, startProducts, type MeshProducts } from '../support/mesh-harness.ts';
import { runCli, type CliProcess } from '../support/cli-process.ts';
import { startReviewsProduct, type RunningReviews } from '../fixtures/foreign-product/reviews-server.ts';

/**
 * `meshgate dev` as a product team runs it: in their product's folder, beside a mesh folder
 * (`--root`) in which the product is already published, with their product server running.
 * Saving the SDL recomposes and reloads the local gateway, and a breaking edit is reported.
 */
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'foreign-product');
const KEYS = Object.fromEntries([...DEMO_MESH.map((m) => m.name), 'reviews'].map((name) => [name, randomBytes(24).toString('base64url')]));
const SIGNING_KEYS = JSON.stringify(Object.fromEntries(Object.entries(KEYS).map(([name, key]) => [name, [key]])));

let work: string;
let root: string;
let productDir: string;
let products: MeshProducts | undefined;
let reviews: RunningReviews | undefined;
let cli: CliProcess | undefined;
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

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshgate-dev-test-'));
  root = join(work, 'mesh');
  productDir = join(work, 'reviews-repo');
  mkdirSync(join(root, 'schema'), { recursive: true });
  layOutMesh();
  process.env.MESHGATE_SIGNING_KEYS = SIGNING_KEYS;
  products = await startProducts();
  reviews = await startReviewsProduct(reviewsKey(), { dir: productDir });
});

afterAll(async () => {
  await cli?.stop();
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
    const urls = Object.fromEntries(Object.entries(products!).map(([name, p]) => [`MESHGATE_SUBGRAPH_URL_${name.toUpperCase().replaceAll('-', '_')}`, p.running.url]));
    cli = runCli(['dev', '--root', root, '--url', reviews!.url, '--port', '0'], { ...urls, MESHGATE_SIGNING_KEYS: SIGNING_KEYS }, { cwd: productDir, script: join(REPO_ROOT, 'bin', 'meshgate.js') });
    const gateway = await cli.waitFor(/gateway ready at (http:\/\/\S+)/);
    expect(cli.output()).toContain(`reviews -> ${reviews!.url} (yours)`);
    expect(cli.output()).toMatch(/meshgate check: \d+ products pass every rule/);

    const before = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { name reviews { stars } } }' });
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.product.reviews).toEqual([{ stars: 5 }, { stars: 4 }]);
    expect(typeof before.body.data.product.name).toBe('string');

    // A new field: the developer saves the SDL and descriptor, and their server restarts with it.
    edit('schema.graphql', (sdl) => sdl.replace('  "What the customer wrote."\n  text: String!\n', '  "What the customer wrote."\n  text: String!\n  "How many readers found it helpful."\n  helpfulVotes: Int!\n'));
    edit('product.yaml', (yaml) => yaml.replace('  Review.text: { classification: public }\n', '  Review.text: { classification: public }\n  Review.helpfulVotes: { classification: public }\n').replace('version: 1.0.0', 'version: 1.1.0'));
    const port = new URL(reviews!.url).port;
    await reviews!.close();
    reviews = await startReviewsProduct(reviewsKey(), { dir: productDir, port: Number(port) });
    await cli.waitFor(/change \d+: (gateway reloaded)/);
    const added = await postGraphQL(gateway, { query: '{ product(sku: "SKU-0001") { reviews { stars helpfulVotes } } }' });
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.product.reviews).toEqual([{ stars: 5, helpfulVotes: 12 }, { stars: 4, helpfulVotes: 3 }]);

    // A breaking edit: a published field removed without deprecation.
    const seen = cli.output().length;
    edit('schema.graphql', (sdl) => sdl.replace('  "Average stars, or null without reviews."\n  averageStars: Float\n', ''));
    edit('product.yaml', (yaml) => yaml.replace('  Product.averageStars: { classification: public }\n', ''));
    // The next reload after everything printed so far.
    await cli.waitFor(new RegExp(`^[\\s\\S]{${seen}}[\\s\\S]*change \\d+: (gateway reloaded)`));
    const report = cli.output().slice(seen);
    expect(report).toMatch(/reviews\n\s+✗ compat\/\S+\s+Product\.averageStars/);
    expect(report).toMatch(/meshgate check: \d+ failures?; 1 of \d+ products fail/);
    console.log(cli.output());
  });
});
