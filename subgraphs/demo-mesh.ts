import type { SeededProductDefinition } from './kit/index.ts';
import { catalogProduct } from './catalog/index.ts';
import { DEMO_PORTS } from './demo-ports.ts';
import { customerInsightsProduct } from './customer-insights/index.ts';
import { customersProduct } from './customers/index.ts';
import { forecastsProduct } from './forecasts/index.ts';
import { salesProduct } from './sales/index.ts';

/** A product of the demo mesh and the port `npm start` serves it on. */
export interface MeshMember {
  name: string;
  /** Every demo product seeds its own store. */
  // biome-ignore lint/suspicious/noExplicitAny: each product has loaders of its own type, and the definition takes them in and gives them out (no wider type fits all)
  definition: SeededProductDefinition<any>;
  port: number;
}

/** The demo mesh: four source products and one derived product. */
export const DEMO_MESH: readonly MeshMember[] = [
  { name: 'customers', definition: customersProduct, port: DEMO_PORTS.customers },
  { name: 'sales', definition: salesProduct, port: DEMO_PORTS.sales },
  { name: 'catalog', definition: catalogProduct, port: DEMO_PORTS.catalog },
  { name: 'forecasts', definition: forecastsProduct, port: DEMO_PORTS.forecasts },
  { name: 'customer-insights', definition: customerInsightsProduct, port: DEMO_PORTS['customer-insights'] },
];

export function defaultProductUrl(member: MeshMember): string {
  return `http://localhost:${member.port}/graphql`;
}
