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
