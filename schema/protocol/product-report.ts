import * as z from 'zod';

/**
 * What a data product says about itself with every answer, in the `x-meshgate-product`
 * response header (JSON): the gateway turns it into `extensions.dataProducts`. The product
 * reports it because only the product knows its store's watermark, and a gateway in front
 * of remote products has no descriptors of its own to read versions from.
 */
/** A product's lifecycle, as descriptors declare it and products report it. */
export const PRODUCT_STATUSES = ['proposed', 'draft', 'active', 'deprecated', 'retired'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const PRODUCT_REPORT_HEADER = 'x-meshgate-product';

export const productReportSchema = z.object({
  name: z.string(),
  version: z.string(),
  status: z.enum(PRODUCT_STATUSES),
  /** When the product's data was last loaded (ISO 8601), or null when its store has no watermark. */
  dataAsOf: z.string().nullable(),
  /** The product's SLA freshness, such as `24h`, or null without an SLA. */
  freshness: z
    .string()
    .regex(/^\d+[smhd]$/)
    .nullable(),
});

export type ProductReport = z.infer<typeof productReportSchema>;

/** Parses a product's header; a missing or malformed one yields null (the product is listed without signals). */
export function parseProductReport(header: string | null | undefined): ProductReport | null {
  if (!header) return null;
  try {
    const result = productReportSchema.safeParse(JSON.parse(header));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
