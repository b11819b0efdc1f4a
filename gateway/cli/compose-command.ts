import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { composeProducts, readProductInterface, writeSupergraph } from '../../schema/compose.ts';
import { DEMO_MESH, defaultProductUrl } from '../../subgraphs/demo-mesh.ts';

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

/** Composes the mesh's products into the production supergraph SDL. */
export function composeMesh(): string {
  const result = composeProducts(DEMO_MESH.map((member) => readProductInterface(member.definition.dir, defaultProductUrl(member))));
  if (!result.ok) throw new Error(`COMPOSITION_FAILED:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}

export function registerComposeCommand(program: Command): void {
  program
    .command('compose')
    .description(`Compose every product into ${SUPERGRAPH_FILE}`)
    .option('--check', 'exit 1 if the committed supergraph is out of date, without writing')
    .action((options: { check?: boolean }) => {
      const sdl = composeMesh();
      const current = existsSync(SUPERGRAPH_FILE) ? readFileSync(SUPERGRAPH_FILE, 'utf8') : '';
      if (options.check) {
        if (current !== sdl) {
          console.error(`${SUPERGRAPH_FILE} is out of date: run npm run compose and commit it`);
          process.exitCode = 1;
        } else console.log(`${SUPERGRAPH_FILE} is up to date`);
        return;
      }
      writeSupergraph(SUPERGRAPH_FILE, sdl);
      console.log(current === sdl ? `${SUPERGRAPH_FILE} unchanged` : `wrote ${SUPERGRAPH_FILE}`);
    });
}
