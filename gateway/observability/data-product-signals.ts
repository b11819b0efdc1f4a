import { durationToMs } from '../../schema/product/descriptor.ts';
import type { ProductReport } from '../../schema/protocol/product-report.ts';

/** One product that answered, as `extensions.dataProducts` lists it. */
export interface DataProductSignal {
  name: string;
  version: string | null;
  status: string | null;
  dataAsOf: string | null;
  /** True when `dataAsOf` is older than the product's SLA freshness. */
  stale: boolean;
}

/** `extensions.dataProducts` for the products that answered (a whole response, or one deferred part). */
export function dataProductSignals(answeredBy: Iterable<readonly [string, ProductReport | null | undefined]>, now: () => number): DataProductSignal[] {
  return [...answeredBy].map(
    ([name, report]): DataProductSignal => ({
      name,
      version: report?.version ?? null,
      status: report?.status ?? null,
      dataAsOf: report?.dataAsOf ?? null,
      stale: Boolean(report?.dataAsOf && report.freshness && now() - Date.parse(report.dataAsOf) > durationToMs(report.freshness)),
    }),
  );
}
