import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { BasicTracerProvider, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing for the gateway and the data products. Off unless configured: with
 * no tracer provider registered, every function here returns at its first line, and
 * Apollo Gateway's own spans (`gateway.request`, `gateway.plan`, `gateway.fetch`, ...) go
 * to the API's no-op tracer. Once registered, Apollo Gateway's spans nest under the
 * request span started here, and the W3C `traceparent` travels to every product.
 */

let provider: BasicTracerProvider | undefined;

// The SDK and the OTLP exporter are loaded when tracing is registered, not on import: with
// tracing off, a gateway replica holds only the API, which Apollo Gateway loads anyway.
// Synchronous requires (they are CommonJS), so registering stays synchronous.
const require = createRequire(import.meta.url);

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** Options of {@link registerTracing}. */
export interface TracingOptions {
  /**
   * Where finished spans go. @default a batching OTLP/HTTP exporter configured by the
   * standard `OTEL_EXPORTER_OTLP_*` variables
   * @example new SimpleSpanProcessor(new InMemorySpanExporter())
   */
  spanProcessor?: SpanProcessor;
  /** @default process.env.OTEL_SERVICE_NAME ?? "meshgate" */
  serviceName?: string;
}

/**
 * Registers the process-wide tracer provider, context manager (so spans nest across
 * awaits) and W3C trace-context propagator. A second call is ignored: the OpenTelemetry
 * API accepts one global registration per process.
 */
export function registerTracing(options: TracingOptions = {}): void {
  if (provider) return;
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  let spanProcessor = options.spanProcessor;
  if (!spanProcessor) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'meshgate';
  provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': serviceName }), spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
}

/**
 * Turns tracing on when the environment asks for it: `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, and neither `OTEL_SDK_DISABLED=true` nor
 * `OTEL_TRACES_EXPORTER=none`. The OTLP exporter reads the same variables for its URL,
 * headers and timeout.
 */
export function registerTracingFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  registerTracing();
  return true;
}

/** Flushes buffered spans and shuts the exporter down (on process exit). */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
}

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
};

/**
 * Runs `handle` inside a SERVER span for an incoming HTTP request, continuing the
 * caller's trace when the request carries `traceparent`. The span ends when the response
 * has been sent, with the status code recorded.
 */
export async function traceIncomingRequest(req: IncomingMessage, res: ServerResponse, name: string, attributes: Attributes, handle: () => Promise<void>): Promise<void> {
  if (!provider) return handle();
  const parent = propagation.extract(context.active(), req.headers, headerGetter);
  const span = trace.getTracer('meshgate').startSpan(name, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': req.url ?? '/', ...attributes } }, parent);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return context.with(trace.setSpan(parent, span), handle);
}

/** Writes the active trace context (`traceparent`, `tracestate`) into outgoing headers. */
export function injectTraceContext(headers: { set(name: string, value: string): unknown }): void {
  if (!provider) return;
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}

/** Tags the active span (Apollo Gateway's `gateway.fetch`, for one) with an attribute. */
export function setActiveSpanAttribute(key: string, value: string): void {
  if (provider) trace.getActiveSpan()?.setAttribute(key, value);
}
