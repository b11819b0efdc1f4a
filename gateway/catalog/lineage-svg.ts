import dagre from '@dagrejs/dagre';
import { splitFieldId, type Lineage, type LineageEdge } from '../../schema/contracts/lineage.ts';
import { escapeMarkup as escapeXml } from '../../schema/base/escape-markup.ts';

const BOX_WIDTH = 260;
const HEADER_HEIGHT = 44;
const ROW_HEIGHT = 16;
const MARGIN = 16;

/**
 * The products that read another product's published fields through `@requires`. Adding
 * fields to an entity another product owns (a `key` edge) makes a product no more derived
 * than any source that joins on a shared id.
 */
export function derivedProducts(lineage: Lineage): Set<string> {
  return new Set(lineage.edges.filter(isRequiresAcrossProducts).map((e) => splitFieldId(e.to).product));
}

function isRequiresAcrossProducts(edge: LineageEdge): boolean {
  return edge.via === 'requires' && splitFieldId(edge.from).product !== splitFieldId(edge.to).product;
}

export interface LineageSvgOptions {
  /** Draw only this product and the products it reads from or feeds. */
  focus?: string;
  /** The link of a product's box. @default none */
  href?: (product: string) => string;
}

/**
 * Draws `schema/lineage.json` as a self-contained SVG laid out by dagre: source products
 * left, derived products right, one arrow per pair of products joined by `@requires`,
 * listing the fields it carries. Dagre routes an edge that spans several columns through
 * placeholder nodes of its own, so no edge runs through a product's box. Entities a
 * product only adds fields to (by key) are named in its box, not drawn as derivation.
 * Plain SVG, no script or external reference: the catalog works offline and without JavaScript.
 */
export function renderLineageSvg(lineage: Lineage, options: LineageSvgOptions = {}): string {
  const requires = lineage.edges.filter(isRequiresAcrossProducts);
  const touches = (edge: LineageEdge, name: string) => splitFieldId(edge.from).product === name || splitFieldId(edge.to).product === name;
  const shown = new Set(
    options.focus
      ? [options.focus, ...lineage.edges.filter((e) => touches(e, options.focus!)).flatMap((e) => [splitFieldId(e.from).product, splitFieldId(e.to).product])]
      : lineage.products.map((p) => p.name),
  );
  const products = lineage.products.filter((p) => shown.has(p.name));
  const derived = derivedProducts(lineage);

  // Per product: the fields that feed or are fed through @requires, and the entities it keys.
  const fieldsOf = new Map<string, Set<string>>(products.map((p) => [p.name, new Set()]));
  const keysOf = new Map<string, Set<string>>(products.map((p) => [p.name, new Set()]));
  for (const edge of lineage.edges) {
    const from = splitFieldId(edge.from);
    const to = splitFieldId(edge.to);
    if (!shown.has(from.product) || !shown.has(to.product) || from.product === to.product) continue;
    if (edge.via === 'requires') {
      fieldsOf.get(from.product)!.add(from.field);
      fieldsOf.get(to.product)!.add(to.field);
    } else keysOf.get(to.product)!.add(`${from.field.slice(0, from.field.indexOf('.'))} of ${from.product}`);
  }

  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 120, edgesep: 16, marginx: MARGIN, marginy: MARGIN });
  graph.setDefaultEdgeLabel(() => ({}));
  const lines = (name: string) => fieldsOf.get(name)!.size + keysOf.get(name)!.size;
  for (const product of products) graph.setNode(product.name, { width: BOX_WIDTH, height: HEADER_HEIGHT + Math.max(1, lines(product.name)) * ROW_HEIGHT + 8 });
  const pairs = new Map<string, LineageEdge[]>();
  for (const edge of requires) {
    const from = splitFieldId(edge.from).product;
    const to = splitFieldId(edge.to).product;
    if (!shown.has(from) || !shown.has(to)) continue;
    const key = `${from}\u0000${to}`;
    pairs.set(key, [...(pairs.get(key) ?? []), edge]);
    graph.setEdge(from, to);
  }
  dagre.layout(graph);
  const { width = 0, height = 0 } = graph.graph();

  const parts: string[] = [];
  for (const [key, edges] of pairs) {
    const [from, to] = key.split('\u0000') as [string, string];
    const points: { x: number; y: number }[] = graph.edge(from, to).points ?? [];
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const carried = edges.map((e) => `${splitFieldId(e.from).field} → ${splitFieldId(e.to).field}`).join('\n');
    parts.push(
      `<path class="edge edge-requires" data-from="${escapeXml(from)}" data-to="${escapeXml(to)}" data-fields="${edges.length}" d="${d}" fill="none" stroke="#2563eb" stroke-width="1.6" marker-end="url(#arrow)"><title>${escapeXml(`${from} → ${to} (@requires, ${edges.length} fields)\n${carried}`)}</title></path>`,
    );
  }
  for (const product of products) {
    const node = graph.node(product.name);
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    const isDerived = derived.has(product.name);
    const box = [
      `<rect x="${x}" y="${y}" width="${node.width}" height="${node.height}" rx="6" fill="${isDerived ? '#fef3c7' : '#ecfdf5'}" stroke="${isDerived ? '#d97706' : '#059669'}"${product.name === options.focus ? ' stroke-width="2.5"' : ''}/>`,
      `<text x="${x + 10}" y="${y + 18}" font-weight="bold" font-size="14">${escapeXml(product.name)}</text>`,
      `<text x="${x + 10}" y="${y + 34}" font-size="11" fill="#4b5563">${escapeXml(product.domain)} · ${isDerived ? 'derived' : 'source'}</text>`,
    ];
    let row = 0;
    for (const field of [...fieldsOf.get(product.name)!].sort()) {
      box.push(`<text class="lineage-field" x="${x + 10}" y="${y + HEADER_HEIGHT + row++ * ROW_HEIGHT + 11}" font-size="11" font-family="monospace">${escapeXml(field)}</text>`);
    }
    for (const keyed of [...keysOf.get(product.name)!].sort()) {
      box.push(`<text class="lineage-key" x="${x + 10}" y="${y + HEADER_HEIGHT + row++ * ROW_HEIGHT + 11}" font-size="11" fill="#6b7280">adds fields to ${escapeXml(keyed)}</text>`);
    }
    const group = `<g class="lineage-product" data-product="${escapeXml(product.name)}">${box.join('')}</g>`;
    parts.push(options.href ? `<a href="${escapeXml(options.href(product.name))}">${group}</a>` : group);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lineage-graph"${options.focus ? '' : ' id="lineage"'} role="img" aria-label="Lineage of the data products" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2563eb"/></marker></defs>',
    ...parts,
    '</svg>',
  ].join('\n');
}
