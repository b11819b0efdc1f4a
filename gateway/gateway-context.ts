import type { Principal } from './access/authentication.ts';
import type { ProductReport } from '../schema/protocol/product-report.ts';
import type { IncrementalDelivery } from './execution/incremental-delivery.ts';

/** The per-request context Apollo Server hands to plugins and data sources. */
export interface GatewayContext {
  /** Made on arrival, forwarded to products and stamped on every error the client gets (see `assignRequestId`). */
  requestId: string;
  /** The client's request headers, lower-cased. */
  headers: Record<string, string>;
  /** Who is asking; set before any plugin runs (see `createAuthenticator`). */
  principal: Principal;
  /** Each product that answered this request, with what it reported (null: nothing readable). */
  answeredBy: Map<string, ProductReport | null>;
  /**
   * Whether the caller opted in to preview fields (the preview gate plugin): the API
   * schema variant its answer is made for, part of the answer's identity (`answerIdentity`).
   */
  previewOptIn?: boolean;
  /** `@defer` in parts: whether the client takes them, and the parts still to come (`deliverDeferred`). */
  incremental?: IncrementalDelivery;
  /** Progressive `@override` labels on for this request, sorted (drawn by the override labels plugin). */
  overrideLabels?: readonly string[];
}
