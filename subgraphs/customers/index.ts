import { sourceDir } from '../../schema/base/source-tree.ts';
import { declaredProduct } from '../kit/index.ts';
import { seed, SEED_VERSION } from './store/seed.ts';

/** Declared: schema.graphql is served from declared.yaml over the customers table, with no resolver code. */
export const customersProduct = declaredProduct({ dir: sourceDir(import.meta.dirname), seed: { version: SEED_VERSION, run: seed } });
