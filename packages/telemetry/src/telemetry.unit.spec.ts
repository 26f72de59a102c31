import { PassThrough } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  contextFromTraceparent,
  createLogger,
  createMetrics,
  currentTraceparent,
  inSpan,
  SpanAttr,
  startTracing,
} from './index.js';

const CONTRACT_METRICS = [
  'concord_events_appended_total',
  'concord_append_duration_seconds',
  'concord_events_applied_total',
  'concord_replication_lag_seconds',
  'concord_pending_events',
  'concord_pending_oldest_seconds',
  'concord_conflicts_detected_total',
  'concord_conflicts_open',
  'concord_conflicts_resolved_total',
  'concord_convergence_seconds',
  'concord_divergent_streams',
  'concord_dlq_total',
  'concord_duplicates_total',
  'concord_fenced',
];

describe('metrics', () => {
  it('exposes every metric named by the contract, labelled with region and service', async () => {
    const m = createMetrics({ region: 'eu', service: 'mirror' });
    m.replicationLag.observe({ origin: 'us' }, 0.042);
    const text = await m.registry.metrics();
    for (const name of CONTRACT_METRICS) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toMatch(
      /concord_replication_lag_seconds_count\{region="eu",service="mirror",origin="us"\} 1/,
    );
  });
});

describe('logger', () => {
  it('writes one JSON line with service, region and the bound stream', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    createLogger({ service: 'writer', region: 'us', destination: out })
      .child({ stream: 'account-1' })
      .info({ eventId: 'e1' }, 'appended');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'info',
      service: 'writer',
      region: 'us',
      stream: 'account-1',
      eventId: 'e1',
      msg: 'appended',
    });
  });
});

describe('tracing', () => {
  it('propagates a traceparent so a remote span joins the same trace', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({
      service: 'writer',
      region: 'us',
      exporter: 'none',
      spanExporter: exporter,
    });
    try {
      let carried: string | undefined;
      await inSpan(
        tracing.tracer,
        'append',
        { attributes: { [SpanAttr.stream]: 's' } },
        async () => {
          carried = currentTraceparent();
        },
      );
      expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      await inSpan(
        tracing.tracer,
        'apply',
        {},
        async () => undefined,
        contextFromTraceparent(carried),
      );
      await tracing.flush();
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(['append', 'apply']);
      expect(spans[1]?.spanContext().traceId).toBe(spans[0]?.spanContext().traceId);
      expect(spans[1]?.parentSpanContext?.spanId).toBe(spans[0]?.spanContext().spanId);
    } finally {
      await tracing.shutdown();
    }
  });
});
