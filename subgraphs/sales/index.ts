import { sourceDir } from '../../schema/base/source-tree.ts';
import type { SeededProductDefinition } from '../kit/index.ts';
import { createLoaders, resolvers } from './resolvers.ts';
import { seed, SEED_VERSION } from './store/seed.ts';

export const salesProduct: SeededProductDefinition<ReturnType<typeof createLoaders>> = {
  dir: sourceDir(import.meta.dirname),
  resolvers,
  createLoaders,
  seed: { version: SEED_VERSION, run: seed },
};
