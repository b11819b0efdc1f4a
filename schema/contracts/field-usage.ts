/**
 * Recorded field usage as the contract pipeline reads it: gateways record which client
 * selected which field on which day, and `meshgate check` and the catalog ask who used a
 * field lately. The pipeline defines the question; the gateway's usage store answers it.
 */

/** One client's use of one field over a period. */
export interface ClientFieldUsage {
  /** The client name the caller sent: self-declared, anyone can send any. */
  client: string;
  /**
   * The application the operations were made under, as the gateway read it from the
   * caller's verified token (the claim `agreements.applicationClaim` names); absent when
   * the token named none. Only this says who a breaking change would hit.
   */
  application?: string;
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

/** One stored count: operations of `client` (under the verified `application`, if any) on `day` (`YYYY-MM-DD`) that selected `coordinate`. */
export interface FieldUsageRow {
  day: string;
  client: string;
  coordinate: string;
  count: number;
  application?: string;
}

/** Totals stored rows per client and verified application, busiest first: the answer to {@link FieldUsageSource.clientsUsing}. */
export function clientUsageOf(rows: readonly FieldUsageRow[]): ClientFieldUsage[] {
  const byClient = new Map<string, ClientFieldUsage>();
  for (const row of rows) {
    const key = `${row.client}\u0000${row.application ?? ''}`;
    const usage = byClient.get(key) ?? { client: row.client, ...(row.application ? { application: row.application } : {}), count: 0, lastUsed: row.day };
    usage.count += row.count;
    if (row.day > usage.lastUsed) usage.lastUsed = row.day;
    byClient.set(key, usage);
  }
  return [...byClient.values()].sort((a, b) => b.count - a.count || a.client.localeCompare(b.client) || (a.application ?? '').localeCompare(b.application ?? ''));
}

/** One verified application's use of a field: its clients' usage summed, whatever names they sent. */
export interface ApplicationFieldUsage {
  application: string;
  count: number;
  lastUsed: string;
}

/**
 * Usage split by who vouches for the name: verified applications (summed per application)
 * and self-declared client names (operations under no verified application), each busiest first.
 */
export function usageByTrust(usage: readonly ClientFieldUsage[]): { verified: ApplicationFieldUsage[]; selfDeclared: ClientFieldUsage[] } {
  const verified = new Map<string, ApplicationFieldUsage>();
  for (const use of usage) {
    if (!use.application) continue;
    const total = verified.get(use.application) ?? { application: use.application, count: 0, lastUsed: use.lastUsed };
    total.count += use.count;
    if (use.lastUsed > total.lastUsed) total.lastUsed = use.lastUsed;
    verified.set(use.application, total);
  }
  return {
    verified: [...verified.values()].sort((a, b) => b.count - a.count || a.application.localeCompare(b.application)),
    selfDeclared: usage.filter((use) => !use.application),
  };
}
