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
  return (
    blocks
      .flatMap((block) => block.split(/\n\s*\n/))
      .map((query) => query.trim())
      .filter((query) => query.replace(/#.*$/gm, '').trim() !== '')
      // "# sales: aggregates computed ..." and "# customer-insights (derived ...)" name "sales" and "customer-insights".
      .map((query) => ({ name: /^#\s*([^:(\n]*)/.exec(query)?.[1]?.trim() ?? '', query }))
  );
}

/** The rows of the "What each caller sees" table, by example name: the fields an anonymous caller gets with data, and the paths refused. */
function anonymousAnswers(section: string): Map<string, { fields: string[]; refused: string[] }> {
  const table = /^### What each caller sees\n([\s\S]*?)(?=^#{2,3} |$(?![\s\S]))/m.exec(section)?.[1] ?? '';
  const rows = table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| example') && !line.startsWith('| ---'));
  return new Map(
    rows.map((row) => {
      const [name, fields, refused] = row
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim()) as [string, string, string];
      const names = (cell: string) => (cell === 'none' ? [] : cell.split(',').map((path) => path.trim().replace(/`/g, '')));
      return [name, { fields: names(fields), refused: names(refused) }];
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

/** The paths refused with FORBIDDEN_FIELD, list indices left out, each once, in answer order. */
function refusedPaths(result: GraphQLHttpResult): string[] {
  return [...new Set((result.body.errors ?? []).map((error) => withoutIndices(error.path ?? [])))];
}

/** `customer.orders.edges.2.node.totalAmount` as the README writes it: `customer.orders.edges.node.totalAmount`. */
function withoutIndices(path: readonly (string | number)[] | string): string {
  const parts = typeof path === 'string' ? path.split('.') : path.map(String);
  return parts.filter((part) => !/^\d+$/.test(part)).join('.');
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
    const promised = ANONYMOUS.get(name)!;
    const result = await mesh.query(query, undefined, { authorization: '' });
    expect(result.status).toBe(200);
    // Refusal is the only error: never a failure of the mesh behind it.
    expect(new Set(errorCodes(result))).toEqual(new Set(promised.refused.length > 0 ? ['FORBIDDEN_FIELD'] : []));
    expect(refusedPaths(result)).toEqual(promised.refused);
    const answer = leaves(result.body.data);
    // A refused field nulls only itself: every null is exactly a refused path (never an emptied parent),
    // and every refusal the errors name is a null in the answer.
    const errorPaths = new Set((result.body.errors ?? []).map((error) => (error.path ?? []).join('.')));
    expect(
      answer
        .filter((leaf) => leaf.value === null)
        .map((leaf) => leaf.path)
        .sort(),
    ).toEqual([...errorPaths].sort());
    // What the README promises comes back as data: exactly the listed fields are non-null, each at least once.
    const withData = new Set(answer.filter((leaf) => leaf.value !== null).map((leaf) => withoutIndices(leaf.path).split('.').at(-1)));
    expect([...withData].sort()).toEqual([...promised.fields].sort());
  });
});
