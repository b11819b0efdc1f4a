import type { Principal } from './authentication.ts';

/** The per-request context Apollo Server hands to plugins and data sources. */
export interface GatewayContext {
  /** Echoed to products as `x-request-id` and set on every error the client sees. */
  requestId: string;
  /** The client's request headers, lower-cased. */
  headers: Record<string, string>;
  /** Who is asking; set before any plugin runs (see authentication.ts). */
  principal: Principal;
}
