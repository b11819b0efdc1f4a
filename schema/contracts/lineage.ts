import { collectReads, sourceOf } from './boundary.ts';
import type { ValidProduct } from './mesh.ts';
import { isPublishedField } from '../product/subgraph-model.ts';

/**
 * Field-level lineage of the mesh, written to `schema/lineage.json` for the catalog and
 * the gateway. Field ids are `product:Type.field`; a `from` may be a path through a
 * nested selection (`sales:Customer.orderSummary.totalSpentUsd`).
 *
 * @example
 * {
 *   "products": [{ "name": "customer-insights", "domain": "customer-analytics",
 *                  "inputs": [{ "product": "sales", "version": "^1.0.0" }] }],
 *   "edges": [{ "from": "sales:Customer.orderSummary.totalSpentUsd",
 *               "to": "customer-insights:Customer.lifetimeValueUsd", "via": "requires" }]
 * }
 */
export interface Lineage {
  products: LineageProduct[];
  edges: LineageEdge[];
}

/** Versions and statuses stay in product.yaml: lineage changes only when the SDL or ports do. */
export interface LineageProduct {
  name: string;
  domain: string;
  /** The product's declared input ports. */
  inputs: { product: string; version: string }[];
}

export interface LineageEdge {
  /** The source field, `product:Type.field` or a path `product:Type.field.subfield`. */
  from: string;
  /** The field computed from it, `product:Type.field`. */
  to: string;
  /**
   * `requires`: the field's resolver reads the source field through `@requires`.
   * `key`: the field is resolved for an entity the source product identifies by this key.
   */
  via: 'requires' | 'key';
}

/** A lineage field id, `sales:Customer.orderSummary.totalSpentUsd`, as its product and field path (split at the first colon). */
export function splitFieldId(id: string): { product: string; field: string } {
  const at = id.indexOf(':');
  return { product: id.slice(0, at), field: id.slice(at + 1) };
}

/** Computes lineage from the products' SDL: `@requires` selections and entity keys. */
export function computeLineage(products: readonly ValidProduct[]): Lineage {
  const edges = new Map<string, LineageEdge>();
  const add = (edge: LineageEdge) => edges.set(`${edge.from}>${edge.to}`, edge);
  for (const product of products) {
    const reads = collectReads(product);
    for (const read of reads) {
      const source = sourceOf(read, product, products);
      if (!source) continue;
      if (read.via === 'requires' && read.leaf && read.readBy) add({ from: `${source.name}:${read.path}`, to: `${product.name}:${read.readBy}`, via: 'requires' });
      if (read.via !== 'key') continue;
      const [typeName] = read.coordinate.split('.') as [string];
      const type = product.model.types.get(typeName)!;
      const keyFields = new Set(reads.filter((r) => r.via === 'key').map((r) => r.coordinate));
      for (const field of type.fields.values()) {
        if (isPublishedField(type, field) && !keyFields.has(field.coordinate)) add({ from: `${source.name}:${read.path}`, to: `${product.name}:${field.coordinate}`, via: 'key' });
      }
    }
  }
  return {
    products: products
      .map((p) => ({
        name: p.name,
        domain: p.descriptor.domain,
        inputs: p.descriptor.inputPorts.map((port) => ({ product: port.product, version: port.version })),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    edges: [...edges.values()].sort((a, b) => a.to.localeCompare(b.to) || a.from.localeCompare(b.from)),
  };
}

export function serializeLineage(lineage: Lineage): string {
  return `${JSON.stringify(lineage, null, 2)}\n`;
}
