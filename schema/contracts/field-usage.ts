/**
 * Recorded field usage as the contract pipeline reads it: gateways record which client
 * selected which field on which day, and `meshgate check` and the catalog ask who used a
 * field lately. The pipeline defines the question; the gateway's usage store answers it.
 */

/** One client's use of one field over a period. */
export interface ClientFieldUsage {
  client: string;
  /** Operations that selected the field. */
  count: number;
  /** The last day (`YYYY-MM-DD`, UTC) the client used it. */
  lastUsed: string;
}

/** What `meshgate check` and the catalog ask of recorded usage. */
export interface FieldUsageSource {
  /** Clients that used `coordinate` (`Type.field`) between two days, both included; busiest first. */
  clientsUsing(coordinate: string, sinceDay: string, untilDay: string): Promise<ClientFieldUsage[]>;
  close(): Promise<void>;
}

/** One stored count: operations of `client` on `day` (`YYYY-MM-DD`) that selected `coordinate`. */
export interface FieldUsageRow {
  day: string;
  client: string;
  coordinate: string;
  count: number;
}

/** Totals stored rows per client, busiest first: the answer to {@link FieldUsageSource.clientsUsing}. */
export function clientUsageOf(rows: readonly FieldUsageRow[]): ClientFieldUsage[] {
  const byClient = new Map<string, ClientFieldUsage>();
  for (const row of rows) {
    const usage = byClient.get(row.client) ?? { client: row.client, count: 0, lastUsed: row.day };
    usage.count += row.count;
    if (row.day > usage.lastUsed) usage.lastUsed = row.day;
    byClient.set(row.client, usage);
  }
  return [...byClient.values()].sort((a, b) => b.count - a.count || a.client.localeCompare(b.client));
}
