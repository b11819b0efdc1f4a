import { sourceDir } from '../../schema/base/source-tree.ts';
import { declaredProduct } from '../kit/index.ts';
import { seed, SEED_VERSION } from './store/seed.ts';

/**
 * Declared: schema.graphql is served from declared.yaml over the orders tables, with no
 * resolver code; the aggregates read reviewed queries (cancelled orders out, lines at their
 * currency's rate). The declared benchmark keeps the hand-written resolvers it replaced.
 */
export const salesProduct = declaredProduct({ dir: sourceDir(import.meta.dirname), seed: { version: SEED_VERSION, run: seed } });
