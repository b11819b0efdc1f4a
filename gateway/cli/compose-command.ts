import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { registryClient } from './registry-client-options.ts';

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';

/** Composes the mesh's products into the production supergraph SDL. */
export async function composeMesh(): Promise<string> {
  const [{ composeProducts, readProductInterface }, { DEMO_MESH, defaultProductUrl }] = await Promise.all([import('../../schema/contracts/compose.ts'), import('../../subgraphs/demo-mesh.ts')]);
  const result = composeProducts(DEMO_MESH.map((member) => readProductInterface(member.definition.dir, defaultProductUrl(member))));
  if (!result.ok) throw new Error(`COMPOSITION_FAILED:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}

export function registerComposeCommand(program: Command): void {
  program
    .command('compose')
    .description(`Compose every product into ${SUPERGRAPH_FILE}`)
    .option('--check', 'exit 1 if the committed supergraph is out of date, without writing')
    .option('--registry <url>', "write the registry's current supergraph instead of composing this repository's products")
    .option('--token <token>', 'with --registry: a gateway or platform token (default: MESHGATE_REGISTRY_TOKEN)')
    .option('--out <file>', `with --registry: where to write it (default: ${SUPERGRAPH_FILE})`)
    .action(async (options: { check?: boolean; registry?: string; token?: string; out?: string }) => {
      const { writeSupergraph } = await import('../../schema/contracts/compose.ts');
      if (options.registry) {
        // The registry composed and checked it already; this only fetches the current build.
        const file = options.out ?? SUPERGRAPH_FILE;
        mkdirSync(dirname(file), { recursive: true });
        writeSupergraph(file, await (await registryClient({ registry: options.registry, token: options.token })).supergraph());
        console.log(`wrote ${file} from ${options.registry}`);
        return;
      }
      const sdl = await composeMesh();
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
