import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh, type GraphQLHttpResult, type MeshHarness } from '../support/mesh-harness.ts';

/**
 * The GraphQL examples the README shows for the demo mesh, read from README.md itself, run
 * through a real gateway the way a first-time user runs them: without a token, and with the
 * scopes the printed development token holds. A README edit that breaks an example, or a
 * contract change that makes an example answer `data: null` to anonymous callers, fails here.
 */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's "The demo mesh" section: its GraphQL examples and its table of what each caller sees. */
const SECTION = /^## The demo mesh\n([\s\S]*?)(?=^## )/m.exec(README)?.[1] ?? '';

/** The `graphql` code blocks of the section, one document per blank-line-separated query, by the name its first comment gives it. */
function examples(section: string): { name: string; query: string }[] {
  const blocks = [...section.matchAll(/^```graphql\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
  return blocks
    .flatMap((block) => block.split(/\n\s*\n/))
    .map((query) => query.trim())
    .filter((query) => query.replace(/#.*$/gm, '').trim() !== '')
    // "# sales: aggregates computed ..." and "# customer-insights (derived ...)" name "sales" and "customer-insights".
    .map((query) => ({ name: /^#\s*([^:(\n]*)/.exec(query)?.[1]?.trim() ?? '', query }));
}

/** The rows of the "What each caller sees" table: what an anonymous caller gets, by example name. */
function anonymousAnswers(section: string): Map<string, { answer: string; refused: string[] }> {
  const table = /^### What each caller sees\n([\s\S]*?)(?=^#{2,3} |$(?![\s\S]))/m.exec(section)?.[1] ?? '';
  const rows = table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| example') && !line.startsWith('| ---'));
  return new Map(
    rows.map((row) => {
      const [name, answer, refused] = row.split('|').slice(1, 4).map((cell) => cell.trim()) as [string, string, string];
      return [name, { answer, refused: refused === 'none' ? [] : refused.split(',').map((path) => path.trim().replace(/`/g, '')) }];
    }),
  );
}

const EXAMPLES = examples(SECTION);
const ANONYMOUS = anonymousAnswers(SECTION);
/** Every leaf value of an answer, with its path. */
function leaves(value: unknown, path: string[] = []): { path: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, String(index)]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  return [{ path: path.join('.'), value }];
}

function errorCodes(result: GraphQLHttpResult): string[] {
  return (result.body.errors ?? []).map((error) => String(error.extensions?.code));
}

let mesh: MeshHarness;
beforeAll(async () => {
  mesh = await startMesh();
});
afterAll(async () => {
  await mesh?.close();
});

/** How the README words an anonymous answer: `data: null`, the top-level fields that came back null, or full. */
function answerOf(result: GraphQLHttpResult): string {
  const { data } = result.body;
  if (data === null || data === undefined) return '`data: null`';
  const nulled = Object.entries(data).filter(([, value]) => value === null).map(([field]) => `\`${field}: null\``);
  if (nulled.length > 0) return nulled.join(', ');
  return result.body.errors ? 'full, refused fields null' : 'full';
}

/** The paths refused with FORBIDDEN_FIELD, list indices left out, each once, in answer order. */
function refusedPaths(result: GraphQLHttpResult): string[] {
  return [...new Set((result.body.errors ?? []).map((error) => (error.path ?? []).filter((part) => typeof part === 'string').join('.')))];
}

describe('README examples of the demo mesh', () => {
  it('are found in README.md, each a valid GraphQL document named by its first comment, each in the table of what callers see', () => {
    // "One query per product" (several) and "One query across all five".
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(2);
    for (const { name, query } of EXAMPLES) {
      expect(() => parse(query)).not.toThrow();
      expect(ANONYMOUS.has(name), `README table row for "${name}"`).toBe(true);
    }
    expect([...ANONYMOUS.keys()].sort()).toEqual(EXAMPLES.map((example) => example.name).sort());
  });

  it.each(EXAMPLES.map((example) => [example.name, example.query]))('%s: the development token gets every field, without errors', async (_name, query) => {
    const result = await mesh.query(query);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(leaves(result.body.data).filter((leaf) => leaf.value === null)).toEqual([]);
  });

  it.each(EXAMPLES.map((example) => [example.name, example.query]))('%s: an anonymous caller gets what the README says', async (name, query) => {
    const result = await mesh.query(query, undefined, { authorization: '' });
    expect(result.status).toBe(200);
    // Refusal is the only error: never a failure of the mesh behind it.
    expect(new Set(errorCodes(result))).toEqual(new Set(result.body.errors ? ['FORBIDDEN_FIELD'] : []));
    expect({ answer: answerOf(result), refused: refusedPaths(result) }).toEqual(ANONYMOUS.get(name));
    // What does come back is real data: every null is a refused field, or the parent a refused non-null field emptied.
    const refused = (result.body.errors ?? []).map((error) => (error.path ?? []).join('.'));
    for (const leaf of leaves(result.body.data ?? {}).filter((l) => l.value === null)) {
      expect(refused.some((path) => path === leaf.path || path.startsWith(`${leaf.path}.`)), `${leaf.path} is null but not refused`).toBe(true);
    }
  });
});
