import type { DataProductDefinition } from './kit/index.ts';
import { catalogProduct } from './catalog/index.ts';
import { customerInsightsProduct } from './customer-insights/index.ts';
import { customersProduct } from './customers/index.ts';
import { forecastsProduct } from './forecasts/index.ts';
import { salesProduct } from './sales/index.ts';

/** A product of the demo mesh and the port `npm start` serves it on. */
export interface MeshMember {
  name: string;
  /** A demo product seeds its own store; one declared over a team's engine (meshgate new --from) reads it. */
  // biome-ignore lint/suspicious/noExplicitAny: each product has loaders of its own type, and the definition takes them in and gives them out (no wider type fits all)
  definition: DataProductDefinition<any>;
  port: number;
}

/** The demo mesh: four source products and one derived product. */
export const DEMO_MESH: readonly MeshMember[] = [
  { name: 'customers', definition: customersProduct, port: 4001 },
  { name: 'sales', definition: salesProduct, port: 4002 },
  { name: 'catalog', definition: catalogProduct, port: 4003 },
  { name: 'forecasts', definition: forecastsProduct, port: 4004 },
  { name: 'customer-insights', definition: customerInsightsProduct, port: 4005 },
];

export function defaultProductUrl(member: MeshMember): string {
  return `http://localhost:${member.port}/graphql`;
}
