import type { IncomingMessage, ServerResponse } from 'node:http';
import { registerTracingFromEnv, traceIncomingRequest } from '../../schema/protocol/trace-propagation.ts';

/**
 * Every data product continues the gateway's trace: its request span is a child of the
 * gateway's `gateway.fetch` span through the `traceparent` header the gateway sends.
 * A product run on its own (`meshgate product`) turns tracing on from the same
 * `OTEL_EXPORTER_OTLP_*` variables as the gateway; in-process with the gateway it shares
 * the gateway's provider.
 */
export function enableProductTracingFromEnv(): void {
  registerTracingFromEnv();
}

export function traceProductRequest(product: string, req: IncomingMessage, res: ServerResponse, handle: () => Promise<void>): Promise<void> {
  return traceIncomingRequest(req, res, `product ${product}`, { 'meshgate.product': product }, handle);
}
