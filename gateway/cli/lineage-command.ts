import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';

export function registerLineageCommand(program: Command): void {
  program
    .command('lineage')
    .description('Compute field-level lineage from the products’ SDL into schema/lineage.json')
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action(async (options: { root?: string }) => {
      const [{ computeLineage, serializeLineage }, { isValidProduct, loadMesh }] = await Promise.all([import('../../schema/contracts/lineage.ts'), import('../../schema/contracts/mesh.ts')]);
      const mesh = loadMesh(options.root);
      const live = mesh.products.filter(isValidProduct).filter((product) => product.descriptor.status !== 'retired');
      const text = serializeLineage(computeLineage(live));
      const current = existsSync(mesh.paths.lineage) ? readFileSync(mesh.paths.lineage, 'utf8') : '';
      if (current !== text) writeFileSync(mesh.paths.lineage, text);
      console.log(current === text ? `${mesh.paths.lineage} unchanged` : `wrote ${mesh.paths.lineage}`);
    });
}
