import type { Lineage } from '../../schema/lineage.ts';

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const BOX_WIDTH = 250;
const COLUMN_GAP = 130;
const HEADER_HEIGHT = 40;
const ROW_HEIGHT = 18;
const BOX_GAP = 24;
const MARGIN = 16;

/**
 * How far a product sits from the mesh's sources: 0 for a product without inputs, else
 * one more than its deepest input. A cycle (which `meshgate check` would already reject
 * in composition) is cut rather than looped.
 */
function depths(lineage: Lineage): Map<string, number> {
  const inputs = new Map(lineage.products.map((p) => [p.name, p.inputs.map((i) => i.product)]));
  const depth = new Map<string, number>();
  const visit = (name: string, path: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (path.has(name)) return 0;
    path.add(name);
    const own = Math.max(-1, ...(inputs.get(name) ?? []).filter((i) => inputs.has(i)).map((i) => visit(i, path))) + 1;
    path.delete(name);
    depth.set(name, own);
    return own;
  };
  for (const product of lineage.products) visit(product.name, new Set());
  return depth;
}

/** `sales:Customer.orderSummary.totalSpentUsd` → product and field path. */
function splitFieldId(id: string): { product: string; field: string } {
  const at = id.indexOf(':');
  return { product: id.slice(0, at), field: id.slice(at + 1) };
}

/**
 * Draws `schema/lineage.json` as a self-contained SVG: one column per depth (source
 * products left, derived products right), one box per product listing the fields that
 * feed or are fed, and one curve per edge from field to field (solid for `@requires`,
 * dashed for entity keys). Plain SVG with no script or external reference, so the catalog
 * page works offline and in any browser.
 */
export function renderLineageSvg(lineage: Lineage): string {
  const depth = depths(lineage);
  const fieldsOf = new Map<string, string[]>(lineage.products.map((p) => [p.name, []]));
  for (const edge of lineage.edges) {
    for (const id of [edge.from, edge.to]) {
      const { product, field } = splitFieldId(id);
      const fields = fieldsOf.get(product) ?? [];
      if (!fields.includes(field)) fields.push(field);
      fieldsOf.set(product, fields);
    }
  }
  for (const fields of fieldsOf.values()) fields.sort();

  // Lay boxes out column by column; remember each field row's vertical centre.
  const columns = new Map<number, string[]>();
  for (const product of lineage.products) {
    const column = depth.get(product.name) ?? 0;
    columns.set(column, [...(columns.get(column) ?? []), product.name]);
  }
  const boxes = new Map<string, { x: number; y: number; height: number }>();
  const rowY = new Map<string, number>();
  let height = 0;
  for (const [column, names] of [...columns.entries()].sort((a, b) => a[0] - b[0])) {
    let y = MARGIN;
    const x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP);
    for (const name of names) {
      const fields = fieldsOf.get(name) ?? [];
      const boxHeight = HEADER_HEIGHT + Math.max(1, fields.length) * ROW_HEIGHT + 8;
      boxes.set(name, { x, y, height: boxHeight });
      fields.forEach((field, index) => rowY.set(`${name}:${field}`, y + HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2));
      y += boxHeight + BOX_GAP;
    }
    height = Math.max(height, y);
  }
  const width = MARGIN * 2 + (Math.max(0, ...columns.keys()) + 1) * BOX_WIDTH + Math.max(0, ...columns.keys()) * COLUMN_GAP;

  const parts: string[] = [];
  for (const edge of lineage.edges) {
    const from = splitFieldId(edge.from);
    const to = splitFieldId(edge.to);
    const a = boxes.get(from.product);
    const b = boxes.get(to.product);
    const y1 = rowY.get(edge.from);
    const y2 = rowY.get(edge.to);
    if (!a || !b || y1 === undefined || y2 === undefined) continue;
    const x1 = a.x + BOX_WIDTH;
    const x2 = b.x;
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    parts.push(
      `<path class="edge edge-${edge.via}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}" d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}" fill="none" stroke="${edge.via === 'requires' ? '#2563eb' : '#9ca3af'}" stroke-width="1.3"${edge.via === 'key' ? ' stroke-dasharray="4 3"' : ''} marker-end="url(#arrow)"><title>${escapeXml(`${edge.from} → ${edge.to} (${edge.via})`)}</title></path>`,
    );
  }
  for (const product of lineage.products) {
    const box = boxes.get(product.name)!;
    const derived = product.inputs.length > 0;
    parts.push(
      `<g class="lineage-product" data-product="${escapeXml(product.name)}">`,
      `<rect x="${box.x}" y="${box.y}" width="${BOX_WIDTH}" height="${box.height}" rx="6" fill="${derived ? '#fef3c7' : '#ecfdf5'}" stroke="${derived ? '#d97706' : '#059669'}"/>`,
      `<text x="${box.x + 10}" y="${box.y + 18}" font-weight="bold" font-size="14">${escapeXml(product.name)}</text>`,
      `<text x="${box.x + 10}" y="${box.y + 33}" font-size="11" fill="#4b5563">${escapeXml(product.domain)}${derived ? ` · derived from ${escapeXml(product.inputs.map((i) => i.product).join(', '))}` : ''}</text>`,
    );
    for (const field of fieldsOf.get(product.name) ?? []) {
      parts.push(`<text class="lineage-field" x="${box.x + 10}" y="${rowY.get(`${product.name}:${field}`)! + 4}" font-size="11" font-family="monospace">${escapeXml(field)}</text>`);
    }
    parts.push('</g>');
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" id="lineage" role="img" aria-label="Lineage of the data products" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>',
    ...parts,
    '</svg>',
  ].join('\n');
}
