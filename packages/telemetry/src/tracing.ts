import {
  context,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export type TracesExporter = 'none' | 'otlp' | 'console';

export interface TracingSettings {
  service: string;
  region: string;
  exporter: TracesExporter;
  /** OTLP/HTTP endpoint, e.g. http://collector:4318/v1/traces. */
  otlpEndpoint?: string;
  /** An exporter supplied by the caller (tests use the SDK's InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

export interface Tracing {
  tracer: Tracer;
  /** Exports every ended span now (span export is asynchronous). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Span attribute names of docs/operations.md, Observability. */
export const SpanAttr = {
  region: 'concord.region',
  origin: 'concord.origin',
  stream: 'concord.stream',
  eventId: 'concord.event_id',
} as const;

/**
 * Starts the OpenTelemetry SDK for one service process. The W3C trace-context propagator is
 * always installed, so `traceparent` flows through HTTP, Kafka headers and envelope meta even
 * when no exporter is configured.
 */
export function startTracing(settings: TracingSettings): Tracing {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const processors: SpanProcessor[] = [];
  if (settings.spanExporter) processors.push(new SimpleSpanProcessor(settings.spanExporter));
  else if (settings.exporter === 'otlp') {
    processors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter(settings.otlpEndpoint ? { url: settings.otlpEndpoint } : {}),
      ),
    );
  } else if (settings.exporter === 'console') {
    processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  }
  let sdk: NodeSDK | undefined;
  if (processors.length > 0) {
    sdk = new NodeSDK({
      resource: resourceFromAttributes({
        'service.name': `concord-${settings.service}`,
        [SpanAttr.region]: settings.region,
      }),
      spanProcessors: processors,
      instrumentations: [],
    });
    sdk.start();
  }
  return {
    tracer: trace.getTracer(`concord-${settings.service}`),
    flush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()));
    },
    shutdown: async () => {
      await sdk?.shutdown();
    },
  };
}

/** The W3C traceparent of the active (or given) context, if a span is recording. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** A context whose parent is the span named by `traceparent` (or the active one). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/** Runs `fn` inside a new active span, ending it and recording failures. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
