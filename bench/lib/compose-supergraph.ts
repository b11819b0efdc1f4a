import { writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** Composes subgraph SDLs with Apollo's own composition and writes the supergraph file. */
export function composeSupergraph(subgraphs: readonly { name: string; sdl: string; url: string }[], file: string): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  writeFileSync(file, result.supergraphSdl);
  return result.supergraphSdl;
}
