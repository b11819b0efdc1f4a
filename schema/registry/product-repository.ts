import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { Candidate } from './registry.ts';

/**
 * A product's contract as its own repository holds it: `product.yaml` and `schema.graphql`
 * at the top of `dir`. The name comes from the descriptor; the registry checks the rest.
 */
export function readProductRepository(dir: string = process.cwd(), expected?: string): Candidate {
  const root = resolve(dir);
  for (const file of ['product.yaml', 'schema.graphql']) {
    if (!existsSync(join(root, file))) throw new MeshError(MeshErrorCode.DESCRIPTOR_INVALID, `${join(root, file)} is missing: run this from the product's repository or pass --dir`);
  }
  const descriptor = readFileSync(join(root, 'product.yaml'), 'utf8');
  let name: unknown;
  try {
    name = (parseYaml(descriptor) as { name?: unknown } | null)?.name;
  } catch (error) {
    throw new MeshError(MeshErrorCode.DESCRIPTOR_INVALID, `${join(root, 'product.yaml')} is not valid YAML: ${(error as Error).message}`);
  }
  const product = expected ?? (typeof name === 'string' ? name : undefined);
  if (!product) throw new MeshError(MeshErrorCode.DESCRIPTOR_INVALID, `${join(root, 'product.yaml')} names no product (name:)`);
  return { product, descriptor, sdl: readFileSync(join(root, 'schema.graphql'), 'utf8') };
}
