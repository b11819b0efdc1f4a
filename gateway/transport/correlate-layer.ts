import { injectTraceContext, tracingEnabled } from '../../schema/protocol/trace-propagation.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { FetchLayer } from './fetch-layer.ts';

/** Puts the id of the request a fetch serves on the product's request headers (none for schema loads and health checks). */
export type ForwardRequestId = (context: Partial<GatewayContext>, headers: Record<string, string>) => void;

/**
 * The request id and trace context, forwarded so the product's logs and spans join the
 * gateway's. They only correlate: nothing here describes the caller, which is what lets
 * identical fetches share one answer (a shared fetch carries the first caller's). Once per
 * fetch, so retries carry the same ones.
 */
export function correlateLayer<T>(forwardRequestId: ForwardRequestId): FetchLayer<T> {
  return (next) => (fetch) => {
    const { headers } = fetch;
    forwardRequestId(fetch.context, headers);
    if (tracingEnabled()) injectTraceContext({ set: (name, value) => (headers[name] = value) });
    return next(fetch);
  };
}
