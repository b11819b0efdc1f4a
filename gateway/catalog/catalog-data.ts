import { existsSync, readFileSync } from 'node:fs';
import { durationToMs, type ProductStatus } from '../../schema/product/descriptor.ts';
import type { Lineage } from '../../schema/contracts/lineage.ts';
import { admits, meshReaders } from '../../schema/contracts/field-readers.ts';
import { isValidProduct, loadMesh, type ValidProduct } from '../../schema/contracts/mesh.ts';
import { publishedOutputFields, sunsetDate } from '../../schema/product/subgraph-model.ts';
import type { ClientFieldUsage, FieldUsageSource } from '../../schema/contracts/field-usage.ts';
import { addDays, utcDay } from '../../schema/base/utc-day.ts';
import { exampleQueries, type ExampleQuery } from './catalog-examples.ts';
import { derivedProducts } from './lineage-svg.ts';

/**
 * Where the catalog learns each product's latest data watermark, which it judges against
 * the product's SLA freshness. The gateway knows a product's watermark once products report
 * `dataAsOf` (in `extensions.dataProducts`); until then, and for a product never queried,
 * freshness is "unknown".
 */
export interface ProductWatermarkSource {
  /** The product's latest known data watermark (ISO date or date-time), if any. */
  dataAsOf(product: string): string | undefined;
}

export interface CatalogField {
  /** `Type.field`. */
  coordinate: string;
  /** The field's type as written, e.g. `[Order!]!`. */
  type: string;
  description: string | null;
  classification: string | null;
  /** Scopes a caller needs to read the field, from governance's classification scopes. */
  scopes: string[];
  /** Tagged `@tag(name: "preview")`: served only to clients that opt in. */
  preview: boolean;
  /** `recentUsage` names the clients still using the field; null where the caller is not shown them (operators only, see `catalogForCaller`). */
  deprecation: { reason: string; sunset: string | null; recentUsage: ClientFieldUsage[] | null } | null;
}

export type FreshnessState = 'fresh' | 'stale' | 'unknown';

export interface CatalogProduct {
  name: string;
  title: string;
  domain: string;
  owner: { team: string; contact: string };
  version: string;
  status: ProductStatus;
  /** Whether the supergraph the gateway serves routes to this product. */
  served: boolean;
  purpose: string;
  limitations: string;
  usage: string;
  sla: { freshness: string; availability: string };
  freshness: { dataAsOf: string | null; state: FreshnessState };
  inputs: { product: string; version: string }[];
  /** Published, non-preview fields, deprecated ones included. */
  fields: CatalogField[];
  deprecatedFields: CatalogField[];
  previewFields: CatalogField[];
  /**
   * Derived: it reads other products' published fields through `@requires`. Keying an
   * entity another product owns (adding fields to it) does not make a product derived.
   */
  derived: boolean;
  /** Published fields by type, without the pagination plumbing (`PageInfo`, `*Connection`, `*Edge`). */
  types: { name: string; description: string | null; fields: CatalogField[] }[];
  /** Runnable queries over the product's fields, for the explorer. */
  examples: ExampleQuery[];
}

export interface Catalog {
  generatedAt: string;
  products: CatalogProduct[];
  lineage: Lineage;
}

/** Options of {@link buildCatalog}. */
export interface CatalogOptions {
  /** The mesh repository. @default this repository */
  meshRoot?: string;
  /** Names of the products the served supergraph routes to. */
  served: ReadonlySet<string>;
  /** The product watermarks seen, which freshness against the SLA is judged by. */
  watermarks?: ProductWatermarkSource;
  usage?: FieldUsageSource;
  /** How far back "recent usage" of a deprecated field looks. @default 30 */
  usageDays?: number;
  now?: Date;
}

/** What an anonymous caller holds: nothing. */
const ANONYMOUS: ReadonlySet<string> = new Set();

/** Pagination types every list repeats: the catalog shows the data, not the paging. */
export function isConnectionPlumbing(typeName: string): boolean {
  return typeName === 'PageInfo' || /.(Connection|Edge)$/.test(typeName);
}

/** A product's freshness: its data watermark judged against its SLA's freshness at `now`. */
export function freshnessOf(sla: string, dataAsOf: string | undefined, now: Date): CatalogProduct['freshness'] {
  const at = dataAsOf ? Date.parse(dataAsOf) : Number.NaN;
  if (!dataAsOf || Number.isNaN(at)) return { dataAsOf: null, state: 'unknown' };
  return { dataAsOf, state: now.getTime() - at <= durationToMs(sla) ? 'fresh' : 'stale' };
}

function groupByType(fields: readonly CatalogField[], model: ValidProduct['model']): CatalogProduct['types'] {
  const types = new Map<string, CatalogField[]>();
  for (const field of fields) {
    const name = field.coordinate.slice(0, field.coordinate.indexOf('.'));
    types.set(name, [...(types.get(name) ?? []), field]);
  }
  return [...types].map(([name, typeFields]) => ({ name, description: model.types.get(name)?.description ?? null, fields: typeFields }));
}

/**
 * Everything the catalog shows, from the same sources `meshgate check` reads (each
 * product's `product.yaml` and `schema.graphql`, `schema/lineage.json`) plus what only
 * the running gateway knows: which products it serves, their freshness, recent usage.
 */
export async function buildCatalog(options: CatalogOptions): Promise<Catalog> {
  const now = options.now ?? new Date();
  const mesh = loadMesh(options.meshRoot);
  const until = utcDay(now);
  const since = addDays(until, -(options.usageDays ?? 30));
  const products: CatalogProduct[] = [];
  const lineage: Lineage = existsSync(mesh.paths.lineage) ? (JSON.parse(readFileSync(mesh.paths.lineage, 'utf8')) as Lineage) : { products: [], edges: [] };
  const derived = derivedProducts(lineage);
  const valid = mesh.products.filter(isValidProduct);
  const readers = meshReaders(valid, mesh.governance);
  const scopesOf = (classification: string | null): string[] =>
    classification ? (mesh.governance.classificationScopes[classification as keyof typeof mesh.governance.classificationScopes] ?? []) : [];
  for (const product of valid) {
    const { descriptor, model } = product;
    const fields: CatalogField[] = [];
    const preview: CatalogField[] = [];
    for (const field of publishedOutputFields(model)) {
      if (field.parent.startsWith('_')) continue;
      const reason = field.deprecationReason;
      const entry: CatalogField = {
        coordinate: field.coordinate,
        type: field.typeRef,
        description: field.description ?? null,
        classification: descriptor.fields[field.coordinate]?.classification ?? null,
        scopes: scopesOf(descriptor.fields[field.coordinate]?.classification ?? null),
        preview: field.preview,
        deprecation: reason ? { reason, sunset: sunsetDate(reason) ?? null, recentUsage: (await options.usage?.clientsUsing(field.coordinate, since, until)) ?? [] } : null,
      };
      (field.preview ? preview : fields).push(entry);
    }
    products.push({
      name: descriptor.name,
      title: descriptor.title ?? descriptor.name,
      domain: descriptor.domain,
      owner: descriptor.owner,
      version: descriptor.version,
      status: descriptor.status,
      served: options.served.has(descriptor.name),
      purpose: descriptor.description.purpose,
      limitations: descriptor.description.limitations,
      usage: descriptor.description.usage,
      sla: descriptor.sla,
      freshness: freshnessOf(descriptor.sla.freshness, options.watermarks?.dataAsOf(descriptor.name), now),
      inputs: descriptor.inputPorts.map((port) => ({ product: port.product, version: port.version })),
      fields,
      deprecatedFields: fields.filter((f) => f.deprecation),
      previewFields: preview,
      derived: derived.has(descriptor.name),
      types: groupByType(
        fields.filter((f) => !isConnectionPlumbing(f.coordinate.slice(0, f.coordinate.indexOf('.')))),
        model,
      ),
      // Examples answer for an anonymous caller too: only fields every access element leaves open to one.
      examples: exampleQueries(product, valid, (coordinate) => admits(readers(coordinate), ANONYMOUS)),
    });
  }
  return { generatedAt: now.toISOString(), products, lineage };
}
