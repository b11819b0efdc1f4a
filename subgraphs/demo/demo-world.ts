/**
 * The facts every demo product's seed agrees on without reading another product's store:
 * identifier formats, volumes and the calendar. Real domains agree on keys the same way
 * (a customer id is the CRM's id everywhere); nothing here is another product's data.
 */
export const DEMO_WORLD = {
  customerCount: 10_000,
  orderCount: 100_000,
  productCount: 1_000,
  /** Orders span the 24 months up to this date; it is also the data watermark of the demo. */
  firstOrderDate: '2024-07-01',
  asOfDate: '2026-06-30',
  /** Forecasts cover the 24 months after the as-of date. */
  forecastMonths: 24,
  firstForecastMonth: '2026-07',
  categories: ['Audio', 'Books', 'Cameras', 'Computers', 'Garden', 'Kitchen', 'Sports', 'Toys'] as const,
} as const;

export function customerId(index: number): string {
  return `C${String(index + 1).padStart(5, '0')}`;
}

export function productSku(index: number): string {
  return `SKU-${String(index + 1).padStart(4, '0')}`;
}

export function orderId(index: number): string {
  return `O${String(index + 1).padStart(6, '0')}`;
}

/** Category of a catalog product: part of the SKU's master data, known to every domain. */
export function categoryOfSku(index: number): string {
  return DEMO_WORLD.categories[index % DEMO_WORLD.categories.length]!;
}

// Days are counted the same way everywhere in the mesh.
export { addDays, daysBetween } from '../../schema/base/utc-day.ts';

/** `2026-07` plus 3 months is `2026-10`. */
export function addMonths(month: string, months: number): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const total = year * 12 + (mon - 1) + months;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}
