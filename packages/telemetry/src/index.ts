/**
 * @concord/telemetry — structured logs (pino), Prometheus metrics (prom-client) and
 * OpenTelemetry tracing, wired by each service's composition root.
 */
export { createLogger, type Logger, type LoggerSettings } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export {
  contextFromTraceparent,
  currentTraceparent,
  inSpan,
  SpanAttr,
  startTracing,
  type Tracing,
  type TracingSettings,
  type TracesExporter,
} from './tracing.js';
