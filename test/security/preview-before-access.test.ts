import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/create-gateway.ts';
import { composeProducts } from '../../schema/contracts/compose.ts';
import { isValidProduct, loadMesh } from '../../schema/contracts/mesh.ts';
import { postGraphQL, startGatewayOn, type MeshHarness } from '../support/mesh-harness.ts';
import { startWorkerMesh } from '../support/worker-mesh.ts';

/**
 * The preview gate answers before access. A confidential field tagged preview does not
 * exist for a caller who has not opted in: asking for it gets PREVIEW_FIELD_NOT_ENABLED,
 * as any preview field does, never FORBIDDEN_FIELD / FORBIDDEN_OPERATION naming the field
 * and the scope it needs (which would tell the caller it is there and what reading it
 * takes). Once opted in, access decides as for any field.
 *
 * The mesh is the demo mesh composed with one confidential field tagged preview.
 */
const TYPE = 'Customer';
const FIELD = 'estimatedLifetimeValueUsd';
const QUERY = `{ customer(id: "C00042") { id ${FIELD} } }`;
const PREVIEW = { 'x-meshgate-preview': 'true' };
const ANONYMOUS = { authorization: '' };

let mesh: MeshHarness;
let rejecting: RunningGateway;
let dir: string;
let scope: string;
beforeAll(async () => {
  const demo = loadMesh();
  const products = demo.products.filter(isValidProduct);
  const owner = products.find((p) => p.model.types.get(TYPE)?.fields.get(FIELD) && !p.model.types.get(TYPE)!.fields.get(FIELD)!.external)!;
  const classification = owner.descriptor.fields[`${TYPE}.${FIELD}`]!.classification;
  // The point of the test: a field that needs a scope.
  scope = demo.governance.classificationScopes[classification][0] ?? '';
  expect(scope).toBeTruthy();
  const tagged = owner.sdl.replace(new RegExp(`(\\n\\s*${FIELD}: [^\\n]*)`), '$1 @tag(name: "preview")');
  expect(tagged).not.toBe(owner.sdl);
  const composed = composeProducts(products.map((p) => ({ name: p.name, url: `http://127.0.0.1:9/${p.name}`, sdl: p === owner ? tagged : p.sdl, descriptor: p.descriptor })));
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  dir = mkdtempSync(join(tmpdir(), 'meshgate-preview-first-'));
  const file = join(dir, 'supergraph.graphql');
  writeFileSync(file, composed.supergraphSdl);
  mesh = await startWorkerMesh({ supergraph: { file } });
  rejecting = await startGatewayOn(mesh, { supergraph: { file }, auth: mesh.auth, access: { mode: 'reject' } });
});
afterAll(async () => {
  await rejecting?.close();
  await mesh?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Codes of the answer, and whether its text names the scope. */
function read(result: { status: number; body: { errors?: { extensions?: Record<string, unknown> }[] } }) {
  return { status: result.status, codes: (result.body.errors ?? []).map((e) => e.extensions?.code), namesScope: JSON.stringify(result.body).includes(scope) };
}

describe('a confidential preview field asked for without the opt-in', () => {
  it('is PREVIEW_FIELD_NOT_ENABLED for an anonymous caller (filter mode), with no scope named and no product asked', async () => {
    mesh.clearQueryLogs();
    expect(read(await mesh.query(QUERY, undefined, ANONYMOUS))).toEqual({ status: 400, codes: ['PREVIEW_FIELD_NOT_ENABLED'], namesScope: false });
    expect(Object.keys(mesh.products).flatMap((name) => mesh.fetches(name))).toEqual([]);
  });

  it('is PREVIEW_FIELD_NOT_ENABLED for a signed-in caller without the scope', async () => {
    const token = await mesh.token({ scope: '' });
    expect(read(await mesh.query(QUERY, undefined, { authorization: `Bearer ${token}` }))).toEqual({ status: 400, codes: ['PREVIEW_FIELD_NOT_ENABLED'], namesScope: false });
  });

  it('is PREVIEW_FIELD_NOT_ENABLED in reject mode too, not FORBIDDEN_OPERATION', async () => {
    expect(read(await postGraphQL(rejecting.url, { query: QUERY }))).toEqual({ status: 400, codes: ['PREVIEW_FIELD_NOT_ENABLED'], namesScope: false });
  });

  it('is PREVIEW_FIELD_NOT_ENABLED for the opt-in header set to anything but true', async () => {
    expect(read(await mesh.query(QUERY, undefined, { ...ANONYMOUS, 'x-meshgate-preview': 'TRUE please' }))).toEqual({ status: 400, codes: ['PREVIEW_FIELD_NOT_ENABLED'], namesScope: false });
  });
});

describe('the same field once the caller opts in', () => {
  it('is access-checked as any field: FORBIDDEN_FIELD without the scope', async () => {
    const result = await mesh.query(QUERY, undefined, { ...ANONYMOUS, ...PREVIEW });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ customer: { id: 'C00042', [FIELD]: null } });
    expect(read(result).codes).toEqual(['FORBIDDEN_FIELD']);
  });

  it('is FORBIDDEN_OPERATION without the scope in reject mode', async () => {
    expect(read(await postGraphQL(rejecting.url, { query: QUERY }, PREVIEW)).codes).toEqual(['FORBIDDEN_OPERATION']);
  });

  it('is answered with the scope', async () => {
    const token = await mesh.token({ scope });
    const result = await mesh.query(QUERY, undefined, { authorization: `Bearer ${token}`, ...PREVIEW });
    expect(result.body.errors).toBeUndefined();
    expect(typeof result.body.data.customer[FIELD]).toBe('number');
  });
});
