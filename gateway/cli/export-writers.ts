// What each `meshgate export` format runs; its help is `registerExportCommand`'s, which loads this
// module only when an export runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { formatProblem } from '../../schema/product/descriptor.ts';
import { dataHubRecipe, toDataHub } from '../../schema/exports/datahub.ts';
import { toOdps } from '../../schema/exports/odps.ts';
import { toOpenLineageDatasetEvents } from '../../schema/exports/openlineage.ts';
import { toOpenMetadata } from '../../schema/exports/openmetadata.ts';
import { computeLineage } from '../../schema/contracts/lineage.ts';
import { isValidProduct, loadMesh, type ProductSource, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { toOdcs } from '../../schema/exports/odcs.ts';
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

/** `meshgate export odcs`. */
export function exportOdcs(name: string, options: { out?: string; root?: string; gateway: string }): void {
  const { product } = productNamed(name, options.root, 'meshgate export odcs');
  writeOutput(stringify(toOdcs(product, { gatewayUrl: validUrl(options.gateway, '--gateway') }), { lineWidth: 0 }), options.out);
}

/** `meshgate export odps`. */
export async function exportOdps(name: string, options: { out?: string; gatewayUrl: string; root?: string; registry?: string; token?: string }): Promise<void> {
  const { product, mesh } = productNamed(name, options.root, 'meshgate export odps');
  const served = { gatewayUrl: validUrl(options.gatewayUrl, '--gateway-url') };
  // Agreements live in the registry, not the repository: only an export that names one lists consumers.
  const consumers = options.registry
    ? (await (await registryClient({ registry: options.registry, token: options.token })).call<Agreement[]>('GET', `/v1/agreements?product=${encodeURIComponent(product.name)}`)).filter(
        (a) => a.status === 'active',
      )
    : undefined;
  writeOutput(stringify(toOdps(product, mesh, served, consumers), { lineWidth: 0 }), options.out);
}

/** `meshgate export openlineage`. */
export function exportOpenLineage(options: { out?: string; namespace: string; root?: string }): void {
  const products = liveProducts(options.root);
  const events = toOpenLineageDatasetEvents(products, computeLineage(products).edges, { namespace: options.namespace, eventTime: new Date().toISOString() });
  writeOutput(events.map((event) => `${JSON.stringify(event)}\n`).join(''), options.out);
}

/** `meshgate export openmetadata`. */
export function exportOpenMetadata(options: { out?: string; gatewayUrl: string; service: string; root?: string }): void {
  const entities = toOpenMetadata(liveProducts(options.root), { gatewayUrl: validUrl(options.gatewayUrl, '--gateway-url'), service: options.service });
  writeOutput(`${JSON.stringify(entities, null, 2)}\n`, options.out);
}

/** `meshgate export datahub`. */
export function exportDataHub(options: { outDir: string; datahubUrl: string; service: string; env: string; root?: string }): void {
  const products = liveProducts(options.root);
  const { contracts, proposals } = toDataHub(products, computeLineage(products).edges, { service: options.service, env: options.env });
  mkdirSync(options.outDir, { recursive: true });
  for (const [name, contract] of contracts) writeFileSync(join(options.outDir, `${name}.contract.yaml`), stringify(contract, { lineWidth: 0 }));
  const lineage = join(options.outDir, 'lineage.json');
  writeFileSync(lineage, `${JSON.stringify(proposals, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'recipe.yaml'), stringify(dataHubRecipe(lineage, validUrl(options.datahubUrl, '--datahub-url')), { lineWidth: 0 }));
  console.error(`wrote ${contracts.size} contracts, lineage.json and recipe.yaml to ${options.outDir}`);
}

function validUrl(value: string, option: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, option, [`must be an http(s) URL (got ${JSON.stringify(value)})`]);
  return value;
}
