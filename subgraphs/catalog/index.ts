import { sourceDir } from '../../schema/base/source-tree.ts';
import { declaredProduct } from '../kit/index.ts';
import { seed, SEED_VERSION } from './store/seed.ts';

/** Declared: schema.graphql is served from declared.yaml over the products tables, with no resolver code. */
export const catalogProduct = declaredProduct({ dir: sourceDir(import.meta.dirname), seed: { version: SEED_VERSION, run: seed } });
