import { SpanKind, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyRequest } from '@concord/http';
import { contextFromTraceparent, inSpan, SpanAttr } from '@concord/telemetry';

/**
 * Runs a route handler inside an OpenTelemetry server span that continues the caller's trace
 * (`traceparent` header) and carries `concord.region` (+ `concord.stream`, `concord.event_id`
 * when the handler knows them).
 */
export function serverSpan<T>(
  tracer: Tracer,
  request: FastifyRequest,
  region: string,
  attributes: Attributes,
  handler: (span: Span) => Promise<T>,
): Promise<T> {
  const header = request.headers.traceparent;
  const route = request.routeOptions.url ?? request.url;
  return inSpan(
    tracer,
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'concord.request_id': request.id,
        [SpanAttr.region]: region,
        ...attributes,
      },
    },
    handler,
    contextFromTraceparent(typeof header === 'string' ? header : undefined),
  );
}
