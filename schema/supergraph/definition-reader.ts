import type { DefinitionNode } from 'graphql';

/**
 * One concern's share of the supergraph model's single walk: shown every definition of the
 * parsed supergraph once, in order, then asked for what it read. What one reader needs from
 * another (the graphs' names, the products' metadata) is handed to `done` after the walk.
 */
export interface DefinitionReader<T, Given = void> {
  read(definition: DefinitionNode): void;
  done(given: Given): T;
}
