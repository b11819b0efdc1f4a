import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { formatProblem } from '../../schema/descriptor.ts';
import { isValidProduct, loadMesh } from '../../schema/mesh.ts';
import { LOCAL_GATEWAY_URL, toOdcs } from '../../schema/odcs.ts';

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export product contracts in other formats');
  exportCommand
    .command('odcs')
    .description('Write a product as an Open Data Contract Standard (ODCS v3.1) YAML document, quality rules and SLA included')
    .argument('<product>', 'the product to export')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--gateway <url>', "the gateway's GraphQL URL, named as the contract's api server", LOCAL_GATEWAY_URL)
    .action((name: string, options: { out?: string; root?: string; gateway: string }) => {
      const mesh = loadMesh(options.root);
      const product = mesh.products.find((candidate) => candidate.name === name || candidate.folder === name);
      if (!product) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, 'meshgate export odcs', [`unknown product "${name}"; expected one of ${mesh.products.map((p) => p.name).join(', ')}`]);
      if (!isValidProduct(product)) {
        const problems = product.sdlError ? [`schema.graphql: ${product.sdlError}`] : product.descriptorProblems.map(formatProblem);
        throw new ConfigError(MeshErrorCode.DESCRIPTOR_INVALID, `subgraphs/${product.folder}`, problems);
      }
      const text = stringify(toOdcs(product, { gatewayUrl: options.gateway }), { lineWidth: 0 });
      if (options.out) {
        writeFileSync(options.out, text);
        console.error(`wrote ${options.out}`);
      } else process.stdout.write(text);
    });
}
