import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { SeededRandom } from '../../subgraphs/demo/seeded-random.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * 4,000 generated malformed or mutated documents and bodies through the real gateway
 * over HTTP: none may get a 5xx, and the gateway must still serve afterwards. Seeded, so
 * a failure reproduces; the first few offending requests are printed in the failure.
 */
const REQUESTS = 4_000;
const CONCURRENCY = 16;

let mesh: MeshHarness;
let pool: Pool;
beforeAll(async () => {
  mesh = await startWorkerMesh({ maxBodyBytes: 32 * 1024, batching: { enabled: true, maxOperations: 3 } });
  pool = new Pool(new URL(mesh.gateway.url).origin, { connections: CONCURRENCY });
});
afterAll(async () => {
  await pool?.close();
  await mesh?.close();
});

// Cheap documents that touch at most one product each, so the run stays fast.
const SEEDS = [
  '{ __typename }',
  '{ customer(id: "C00001") { id name } }',
  'query Q($id: ID!) { product(sku: $id) { sku name } }',
  '{ customer(id: "C00001") { ...F } } fragment F on Customer { id segment }',
  'query A { __typename } query B { __schema { queryType { name } } }',
  '{ product(sku: "SKU-0001") { name @include(if: true) } }',
];
const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  '$',
  '...',
  '@include(if: true)',
  '"',
  '\\',
  ':',
  '!',
  '[',
  ']',
  'mutation',
  'fragment F on Query',
  '#',
  '\u0000',
  '\ud800',
  'query',
  '__schema',
  '__type(name: "Query")',
  '1e999',
  'a: b: c',
  '"""',
  ',',
  '=',
  '$id',
  'on',
  '&',
];

function mutateDocument(random: SeededRandom, doc: string): string {
  let text = doc;
  for (let n = random.int(1, 3); n > 0; n--) {
    const at = random.int(0, text.length);
    switch (random.int(0, 5)) {
      case 0:
        text = text.slice(0, at) + text.slice(Math.min(text.length, at + random.int(1, 6)));
        break;
      case 1:
        text = text.slice(0, at) + random.pick(TOKENS) + text.slice(at);
        break;
      case 2:
        text = text.slice(0, at) + text.slice(at, at + random.int(1, 20)).repeat(random.int(2, 30)) + text.slice(at);
        break;
      case 3:
        text = text.slice(0, at);
        break;
      case 4:
        text = `${'{ a '.repeat(random.int(1, 300))}${text}`;
        break;
      default:
        text = text.slice(0, at) + String.fromCharCode(random.int(0, 0xffff)) + text.slice(at);
    }
  }
  return text;
}

function randomJson(random: SeededRandom, depth = 0): unknown {
  switch (random.int(0, depth > 3 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return random.int(-1e6, 1e6);
    case 2:
      return random.pick(['', 'C00001', 'SKU-0001', '{ __typename }', '\u0000', 'x'.repeat(random.int(1, 2000))]);
    case 3:
      return random.next() < 0.5;
    case 4:
      return random.pick([1e308, -0, 0.5, Number.MAX_SAFE_INTEGER]);
    case 5:
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(0, 4) }, () => [random.pick(['id', 'query', 'persistedQuery', 'version', 'sha256Hash', '__proto__', 'constructor']), randomJson(random, depth + 1)]),
      );
  }
}

interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function generate(random: SeededRandom): FuzzRequest {
  const doc = random.next() < 0.8 ? mutateDocument(random, random.pick(SEEDS)) : random.pick(SEEDS);
  const contentType = random.weighted<string | undefined>([
    ['application/json', 85],
    ['application/graphql-response+json', 3],
    ['text/plain', 3],
    ['application/x-www-form-urlencoded', 2],
    ['application/json; charset=utf-16', 2],
    [undefined, 5],
  ]);
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  const kind = random.weighted<string>([
    ['document', 40],
    ['variables', 12],
    ['field-types', 12],
    ['raw', 12],
    ['batch', 6],
    ['persisted', 6],
    ['get', 8],
    ['method', 4],
  ]);
  const body = (value: unknown) => JSON.stringify(value);
  switch (kind) {
    case 'document':
      return { method: 'POST', path: '/graphql', headers, body: body({ query: doc }) };
    case 'variables':
      return { method: 'POST', path: '/graphql', headers, body: body({ query: SEEDS[2], variables: random.next() < 0.5 ? { id: randomJson(random) } : randomJson(random) }) };
    case 'field-types':
      return {
        method: 'POST',
        path: '/graphql',
        headers,
        body: body({ query: random.next() < 0.5 ? randomJson(random) : doc, operationName: randomJson(random), variables: randomJson(random), extensions: randomJson(random) }),
      };
    case 'raw': {
      const valid = body({ query: doc });
      const raw = random.pick([
        valid.slice(0, random.int(0, valid.length)),
        valid.replace('"', "'"),
        'null',
        '[]',
        '{}',
        '42',
        String.fromCharCode(...Array.from({ length: random.int(1, 200) }, () => random.int(0, 255))),
        `${'['.repeat(3000)}`,
        `{"query": "${'\\'.repeat(1001)}"}`,
      ]);
      return { method: 'POST', path: random.pick(['/graphql', '/', '/graphql?x=1', '/nope']), headers, body: raw };
    }
    case 'batch':
      return {
        method: 'POST',
        path: '/graphql',
        headers,
        body: body(Array.from({ length: random.int(0, 5) }, () => (random.next() < 0.7 ? { query: random.pick(SEEDS.slice(0, 2)) } : randomJson(random)))),
      };
    case 'persisted':
      return {
        method: 'POST',
        path: '/graphql',
        headers,
        body: body({
          ...(random.next() < 0.5 ? { query: doc } : {}),
          extensions: { persistedQuery: random.next() < 0.7 ? { version: random.pick([1, 1, 2, '1']), sha256Hash: random.pick(['0'.repeat(64), 'abc', 42]) } : randomJson(random) },
        }),
      };
    case 'get': {
      const params = new URLSearchParams({ query: doc });
      if (random.next() < 0.3) params.set('variables', random.pick(['{', '{"id": 1}', 'null', '[]']));
      if (random.next() < 0.3) params.set('operationName', random.pick(['A', 'B', 'Q', '']));
      return { method: 'GET', path: `/graphql?${params}`, headers: random.next() < 0.8 ? { 'apollo-require-preflight': 'true' } : {} };
    }
    default:
      return { method: random.pick(['PUT', 'DELETE'] as const), path: '/graphql', headers, body: body({ query: doc }) };
  }
}

describe('fuzz', () => {
  // About 30 s alone on two cores; more when other test files share them.
  it(`${REQUESTS} generated malformed requests: no 5xx, and the gateway serves on`, { timeout: 120_000 }, async () => {
    const random = new SeededRandom('meshgate-fuzz-1');
    const requests = Array.from({ length: REQUESTS }, () => generate(random));
    const byStatus = new Map<number, number>();
    const serverErrors: { request: FuzzRequest; status: number; body: string }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        const response = await pool.request({ method: request.method, path: request.path, headers: request.headers, body: request.body });
        const text = await response.body.text();
        byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500 && serverErrors.length < 5)
          serverErrors.push({ request: { ...request, body: request.body?.slice(0, 300) }, status: response.statusCode, body: text.slice(0, 300) });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(serverErrors).toEqual([]);
    expect([...byStatus.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect([...byStatus.keys()].every((status) => status < 500)).toBe(true);
    // The mix did reach execution, not only the front door.
    expect(byStatus.get(200)).toBeGreaterThan(REQUESTS / 20);

    const health = await fetch(mesh.gateway.url.replace(/graphql$/, 'health'));
    expect(health.status).toBe(200);
    const alive = await mesh.query('{ customer(id: "C00042") { name } }');
    expect(alive.body.data).toEqual({ customer: { name: 'Tara Eriksen' } });
  });
});
