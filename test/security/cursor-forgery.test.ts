import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKey } from '../../schema/protocol/signing-keys.ts';
import { CursorSeal } from '../../subgraphs/kit/cursor-seal.ts';
import type { MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * Page cursors as an attack surface. A readable cursor (base64 of a row key) lets a caller
 * write `after` themselves and, under a filter on a field they may not read, learn that
 * field row by row. Every cursor is sealed for the list it came from; each forgery below
 * must be refused with INVALID_CURSOR, and the genuine cursor must keep paging.
 */
let mesh: MeshHarness;

beforeAll(async () => {
  mesh = await startWorkerMesh();
});

afterAll(async () => {
  await mesh?.close();
});

interface Page {
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}
const customersPage = async (args: string) => {
  const result = await mesh.query(`{ customers(${args}) { totalCount edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }`);
  return { page: result.body.data?.customers as Page | null | undefined, errors: result.body.errors };
};
const codeOf = (errors: { extensions?: Record<string, unknown> }[] | undefined) => errors?.[0]?.extensions?.code;

describe('sealed page cursors', () => {
  it('pages on with the cursor the product returned', async () => {
    const first = await customersPage('first: 2');
    expect(first.errors).toBeUndefined();
    const next = await customersPage(`first: 2, after: ${JSON.stringify(first.page!.pageInfo.endCursor)}`);
    expect(next.errors).toBeUndefined();
    expect(next.page!.edges[0]!.node.id > first.page!.edges[1]!.node.id).toBe(true);
  });

  it('refuses a cursor written by hand from a row key, old readable format or new', async () => {
    const { page } = await customersPage('first: 3');
    const key = page!.edges[2]!.node.id;
    const readable = Buffer.from(`k:${key}`, 'utf8').toString('base64url');
    const sealedShape = `${Buffer.from(key, 'utf8').toString('base64url')}.${'A'.repeat(22)}`;
    for (const forged of [readable, sealedShape, `${page!.edges[2]!.cursor}x`, '.', 'a'.repeat(5000)]) {
      const result = await customersPage(`first: 1, after: ${JSON.stringify(forged)}`);
      expect(codeOf(result.errors), forged.slice(0, 40)).toBe('INVALID_CURSOR');
      expect(result.page ?? null).toBeNull();
    }
  });

  it('refuses a genuine cursor replayed under another filter: a filter cannot be probed row by row', async () => {
    const { page } = await customersPage('first: 12');
    const cursor = page!.edges[10]!.cursor;
    const probe = await customersPage(`first: 1, after: ${JSON.stringify(cursor)}, filter: { country: "DE" }`);
    expect(codeOf(probe.errors)).toBe('INVALID_CURSOR');
    expect(probe.page ?? null).toBeNull();
  });

  it("refuses one customer's orders cursor on another customer's orders", async () => {
    const orders = (id: string, after?: string) =>
      mesh.query(`{ customer(id: ${JSON.stringify(id)}) { orders(first: 1${after ? `, after: ${JSON.stringify(after)}` : ''}) { edges { cursor node { id } } } } }`);
    const mine = await orders('C00042');
    const cursor = (mine.body.data as { customer: { orders: { edges: { cursor: string }[] } } }).customer.orders.edges[0]!.cursor;
    expect((await orders('C00042', cursor)).body.errors).toBeUndefined();
    expect(codeOf((await orders('C00043', cursor)).body.errors)).toBe('INVALID_CURSOR');
  });
});

describe('CursorSeal', () => {
  const oldKey = signingKey('an old product secret, sixteen+');
  const newKey = signingKey('a new product secret, sixteen++');

  it('opens what it sealed, for the scope it was sealed for only', () => {
    const seal = new CursorSeal([newKey]);
    const cursor = seal.seal('C00011', 'customers where country = $1 ["DE"]');
    expect(seal.open(cursor, 'customers where country = $1 ["DE"]')).toBe('C00011');
    expect(() => seal.open(cursor, 'customers where country = $1 ["FR"]')).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
  });

  it('keeps cursors sealed with the older key valid during a rotation, and refuses them after it', () => {
    const cursor = new CursorSeal([oldKey]).seal('C00011', 'scope');
    expect(new CursorSeal([newKey, oldKey]).open(cursor, 'scope')).toBe('C00011');
    expect(() => new CursorSeal([newKey]).open(cursor, 'scope')).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
  });
});
