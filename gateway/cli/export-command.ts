import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { formatProblem } from '../../schema/product/descriptor.ts';
import { dataHubRecipe, toDataHub } from '../../schema/exports/datahub.ts';
import { DEFAULT_GATEWAY_URL, toOdps } from '../../schema/exports/odps.ts';
import { DEFAULT_LINEAGE_NAMESPACE, toOpenLineageDatasetEvents } from '../../schema/exports/openlineage.ts';
import { toOpenMetadata } from '../../schema/exports/openmetadata.ts';
import { computeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, type ProductSource, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { LOCAL_GATEWAY_URL, toOdcs } from '../../schema/exports/odcs.ts';
import type { Agreement } from '../../schema/registry/agreements.ts';
import { registryClient } from './registry-client-options.ts';

/** A product that failed validation, refused in one line per problem: no export of a contract that does not hold. */
function refuseInvalid(product: ProductSource): never {
  const problems = product.sdlError ? [`schema.graphql: ${product.sdlError}`] : product.descriptorProblems.map(formatProblem);
  throw new ConfigError(MeshErrorCode.DESCRIPTOR_INVALID, `subgraphs/${product.folder}`, problems);
}

/** The product `name` names (or its folder), validated, with the rest of the mesh's valid products. */
function productNamed(name: string, root: string | undefined, command: string): { product: ValidProduct; mesh: ValidProduct[] } {
  const mesh = loadMesh(root);
  const product = mesh.products.find((candidate) => candidate.name === name || candidate.folder === name);
  if (!product) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, command, [`unknown product "${name}"; expected one of ${mesh.products.map((p) => p.name).join(', ')}`]);
  if (!isValidProduct(product)) refuseInvalid(product);
  return { product, mesh: mesh.products.filter(isValidProduct) };
}

/** Every product the mesh serves (retired ones are not), each valid. */
function liveProducts(root: string | undefined): ValidProduct[] {
  const products = loadMesh(root).products.filter((product) => isValidProduct(product) || refuseInvalid(product)) as ValidProduct[];
  return products.filter((product) => product.descriptor.status !== 'retired');
}

function writeOutput(text: string, out: string | undefined): void {
  if (out) {
    writeFileSync(out, text);
    console.error(`wrote ${out}`);
  } else process.stdout.write(text);
}

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export product contracts, products and lineage in the formats data catalogs read');
  exportCommand
    .command('odcs')
    .description('Write a product as an Open Data Contract Standard (ODCS v3.1) YAML document, quality rules and SLA included')
    .argument('<product>', 'the product to export')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--gateway <url>', "the gateway's GraphQL URL, named as the contract's api server", LOCAL_GATEWAY_URL)
    .action((name: string, options: { out?: string; root?: string; gateway: string }) => {
      const { product } = productNamed(name, options.root, 'meshgate export odcs');
      writeOutput(stringify(toOdcs(product, { gatewayUrl: validUrl(options.gateway, '--gateway') }), { lineWidth: 0 }), options.out);
    });
  exportCommand
    .command('odps')
    .description('Write a product as a Bitol Open Data Product Standard (ODPS v1.0) YAML document: input, output and management ports')
    .argument('<product>', 'the product to export')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--gateway-url <url>', 'where the gateway serves the mesh, for the ports’ URLs', DEFAULT_GATEWAY_URL)
    .option('--root <dir>', 'the mesh the product belongs to (default: this repository)')
    .option('--registry <url>', "list the product's consumers from this registry's active access agreements")
    .option('--token <token>', 'a registry token (default: MESHGATE_REGISTRY_TOKEN)')
    .action(async (name: string, options: { out?: string; gatewayUrl: string; root?: string; registry?: string; token?: string }) => {
      const { product, mesh } = productNamed(name, options.root, 'meshgate export odps');
      const served = { gatewayUrl: validUrl(options.gatewayUrl, '--gateway-url') };
      // Agreements live in the registry, not the repository: only an export that names one lists consumers.
      const consumers = options.registry
        ? (await registryClient({ registry: options.registry, token: options.token }).call<Agreement[]>('GET', `/v1/agreements?product=${encodeURIComponent(product.name)}`)).filter(
            (a) => a.status === 'active',
          )
        : undefined;
      writeOutput(stringify(toOdps(product, mesh, served, consumers), { lineWidth: 0 }), options.out);
    });
  exportCommand
    .command('openlineage')
    .description('Write the field-level lineage of the mesh as OpenLineage dataset events, one JSON event per line')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--namespace <name>', 'the datasets’ namespace (the gateway’s lineage.namespace)', DEFAULT_LINEAGE_NAMESPACE)
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action((options: { out?: string; namespace: string; root?: string }) => {
      const products = liveProducts(options.root);
      const events = toOpenLineageDatasetEvents(products, computeLineage(products).edges, { namespace: options.namespace, eventTime: new Date().toISOString() });
      writeOutput(events.map((event) => `${JSON.stringify(event)}\n`).join(''), options.out);
    });
  exportCommand
    .command('openmetadata')
    .description('Write the mesh as OpenMetadata entities: an API service, a collection per product, an endpoint per root field, each with its data contract')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--gateway-url <url>', 'where the gateway serves the mesh', DEFAULT_GATEWAY_URL)
    .option('--service <name>', 'the API service’s name in OpenMetadata', 'meshgate')
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action((options: { out?: string; gatewayUrl: string; service: string; root?: string }) => {
      const entities = toOpenMetadata(liveProducts(options.root), { gatewayUrl: validUrl(options.gatewayUrl, '--gateway-url'), service: options.service });
      writeOutput(`${JSON.stringify(entities, null, 2)}\n`, options.out);
    });
  exportCommand
    .command('datahub')
    .description('Write a DataHub data contract per product, the products’ metadata and lineage as ingestion proposals, and the recipe that loads them')
    .requiredOption('--out-dir <dir>', 'the folder to write into (created if missing)')
    .option('--datahub-url <url>', 'the DataHub GMS the recipe sends to', 'http://localhost:8080')
    .option('--service <name>', 'the prefix of the datasets’ names', 'meshgate')
    .option('--env <fabric>', 'the datasets’ DataHub environment', 'PROD')
    .option('--root <dir>', 'the mesh (default: this repository)')
    .action((options: { outDir: string; datahubUrl: string; service: string; env: string; root?: string }) => {
      const products = liveProducts(options.root);
      const { contracts, proposals } = toDataHub(products, computeLineage(products).edges, { service: options.service, env: options.env });
      mkdirSync(options.outDir, { recursive: true });
      for (const [name, contract] of contracts) writeFileSync(join(options.outDir, `${name}.contract.yaml`), stringify(contract, { lineWidth: 0 }));
      const lineage = join(options.outDir, 'lineage.json');
      writeFileSync(lineage, `${JSON.stringify(proposals, null, 2)}\n`);
      writeFileSync(join(options.outDir, 'recipe.yaml'), stringify(dataHubRecipe(lineage, validUrl(options.datahubUrl, '--datahub-url')), { lineWidth: 0 }));
      console.error(`wrote ${contracts.size} contracts, lineage.json and recipe.yaml to ${options.outDir}`);
    });
}

function validUrl(value: string, option: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, option, [`must be an http(s) URL (got ${JSON.stringify(value)})`]);
  return value;
}
