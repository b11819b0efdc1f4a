/**
 * Days as `YYYY-MM-DD` in UTC: the unit of deprecation windows, sunsets, usage records and
 * the demo's calendar. One definition, so a day means the same to the contract pipeline,
 * the gateway's usage store and the products' seeds.
 */
export const DAY_MS = 86_400_000;

/** The UTC day of `date` (today by default). */
export function utcDay(date: Date = new Date()): string {
  return date.toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/** Whole days from one day to another (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
