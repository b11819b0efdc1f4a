import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { runCheck, type CheckOptions } from './check.ts';
import { MESH, type Finding } from './finding.ts';
import { baselineDir, loadMesh } from './mesh.ts';

export type PublishResult = { ok: true; product: string; version: string; dir: string } | { ok: false; product: string; findings: Finding[] };

/**
 * Whether a finding stops `product` from being published: its own findings, except the
 * missing baseline publishing is about to create, and composition failures nobody owns.
 */
export function blocksPublish(product: string, f: Finding): boolean {
  if (f.product === product) return f.rule !== 'compat/no-baseline';
  return f.product === MESH && f.rule === 'compose/failed';
}

/**
 * Records a product's current interface and version as its published baseline
 * (`schema/published/<product>/`), after `meshgate check` passes for it.
 */
export async function publishProduct(name: string, options: CheckOptions = {}): Promise<PublishResult> {
  const mesh = loadMesh(options.root);
  const product = mesh.products.find((candidate) => candidate.name === name || candidate.folder === name);
  if (!product) throw new MeshError(MeshErrorCode.PUBLISH_REFUSED, `Unknown product "${name}"; expected one of ${mesh.products.map((p) => p.name).join(', ')}`);
  const report = await runCheck(options);
  const findings = report.findings.filter((f) => blocksPublish(product.name, f));
  if (findings.length > 0 || !product.descriptor) return { ok: false, product: product.name, findings };
  const dir = baselineDir(mesh.paths, product.name);
  mkdirSync(dir, { recursive: true });
  const source = join(mesh.paths.subgraphs, product.folder);
  for (const file of ['schema.graphql', 'product.yaml']) copyFileSync(join(source, file), join(dir, file));
  return { ok: true, product: product.name, version: product.descriptor.version, dir };
}
