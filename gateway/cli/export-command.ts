import type { Command } from 'commander';
import { DEFAULT_GATEWAY_URL, DEFAULT_LINEAGE_NAMESPACE, LOCAL_GATEWAY_URL } from '../../schema/exports/export-defaults.ts';

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export product contracts, products and lineage in the formats data catalogs read');
  exportCommand
    .command('odcs')
    .description('Write a product as an Open Data Contract Standard (ODCS v3.1) YAML document, quality rules and SLA included')
    .argument('<product>', 'the product to export')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--gateway <url>', "the gateway's GraphQL URL, named as the contract's api server", LOCAL_GATEWAY_URL)
    .action(async (name: string, options: { out?: string; root?: string; gateway: string }) => (await import('./export-writers.ts')).exportOdcs(name, options));
  exportCommand
    .command('odps')
    .description('Write a product as a Bitol Open Data Product Standard (ODPS v1.0) YAML document: input, output and management ports')
    .argument('<product>', 'the product to export')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--gateway-url <url>', 'where the gateway serves the mesh, for the ports’ URLs', DEFAULT_GATEWAY_URL)
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--registry <url>', "list the product's consumers from this registry's active access agreements")
    .option('--token <token>', 'a registry token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (name: string, options: { out?: string; gatewayUrl: string; root?: string; registry?: string; token?: string }) => (await import('./export-writers.ts')).exportOdps(name, options));
  exportCommand
    .command('openlineage')
    .description('Write the field-level lineage of the mesh as OpenLineage dataset events, one JSON event per line')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--namespace <name>', 'the datasets’ namespace (the gateway’s lineage.namespace)', DEFAULT_LINEAGE_NAMESPACE)
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action(async (options: { out?: string; namespace: string; root?: string }) => (await import('./export-writers.ts')).exportOpenLineage(options));
  exportCommand
    .command('openmetadata')
    .description('Write the mesh as OpenMetadata entities: an API service, a collection per product, an endpoint per root field, each with its data contract')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--gateway-url <url>', 'where the gateway serves the mesh', DEFAULT_GATEWAY_URL)
    .option('--service <name>', 'the API service’s name in OpenMetadata', 'meshgate')
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action(async (options: { out?: string; gatewayUrl: string; service: string; root?: string }) => (await import('./export-writers.ts')).exportOpenMetadata(options));
  exportCommand
    .command('datahub')
    .description('Write a DataHub data contract per product, the products’ metadata and lineage as ingestion proposals, and the recipe that loads them')
    .requiredOption('--out-dir <dir>', 'the folder to write into (created if missing)')
    .option('--datahub-url <url>', 'the DataHub GMS the recipe sends to', 'http://localhost:8080')
    .option('--service <name>', 'the prefix of the datasets’ names', 'meshgate')
    .option('--env <fabric>', 'the datasets’ DataHub environment', 'PROD')
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action(async (options: { outDir: string; datahubUrl: string; service: string; env: string; root?: string }) => (await import('./export-writers.ts')).exportDataHub(options));
}
