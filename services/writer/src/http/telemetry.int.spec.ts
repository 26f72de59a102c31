import { PassThrough } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import {
  createLogger,
  createMetrics,
  SpanAttr,
  startTracing,
  type Tracing,
} from '@concord/telemetry';
import type { RunningWriter } from '../startWriter.js';
import {
  cleanup,
  client,
  prepareNamespace,
  readEventsTopic,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * Observability (docs/operations.md, Observability): a server span per request and a producer span per append, the
 * producer span's traceparent in the Kafka headers and in meta.traceparent, the contract
 * metrics, one structured log line per appended event with region and stream.
 */
let config: ConcordConfig;
let writer: RunningWriter;
let tracing: Tracing;
const exporter = new InMemorySpanExporter();
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  tracing = startTracing({
    service: 'writer',
    region: 'us',
    exporter: 'none',
    spanExporter: exporter,
  });
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line));
  });
  writer = await startTestWriter(config, {
    tracer: tracing.tracer,
    logger: createLogger({ service: 'writer', region: 'us', level: 'info', destination: out }),
    metrics: createMetrics({ region: 'us', service: 'writer' }),
  });
});

afterAll(async () => {
  await writer?.close();
  await tracing?.shutdown();
  await cleanup(config);
});

describe('telemetry', () => {
  it('continues the caller’s trace into the producer span, the Kafka headers and meta', async () => {
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    const r = await client(writer.url).append(
      'trace-1',
      { type: 'T', data: {} },
      { traceparent: `00-${callerTrace}-b7ad6b7169203331-01` },
    );
    expect(r.status).toBe(201);
    const event = r.body.event;
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const server = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes[SpanAttr.eventId] === event.id,
    );
    const producer = spans.find(
      (s) => s.kind === SpanKind.PRODUCER && s.attributes[SpanAttr.eventId] === event.id,
    );
    expect(server?.name).toBe('POST /v1/streams/:stream/events');
    expect(server?.attributes).toMatchObject({
      [SpanAttr.region]: 'us',
      [SpanAttr.stream]: 'trace-1',
      [SpanAttr.eventId]: event.id,
    });
    expect(server?.spanContext().traceId).toBe(callerTrace);
    expect(server?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(producer?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(producer?.attributes).toMatchObject({
      [SpanAttr.origin]: 'us',
      [SpanAttr.stream]: 'trace-1',
      'messaging.destination.name': `${config.namespace}.events.us`,
    });
    const traceparent = `00-${callerTrace}-${producer!.spanContext().spanId}-01`;
    expect(event.meta.traceparent).toBe(traceparent);
    const record = (await readEventsTopic(config)).find((x) => x.value.id === event.id);
    expect(record?.headers).toMatchObject({
      traceparent,
      'concord-event-id': event.id,
      'concord-origin': 'us',
      'concord-type': 'T',
    });
    // meta.acceptedAt: when the writer accepted it (the mirror measures replication lag from it).
    const acceptedAt = Date.parse(event.meta.acceptedAt as string);
    expect(Math.abs(Date.now() - acceptedAt)).toBeLessThan(10_000);
  });

  it('exports the contract metrics and logs one line per appended event', async () => {
    await client(writer.url).append('metrics-1', { type: 'T', data: {} });
    await client(writer.url).append('metrics-1', { type: 'concord.x', data: {} });
    const text = await (await fetch(`${writer.url}/metrics`)).text();
    expect(text).toMatch(/concord_events_appended_total\{region="us",service="writer"\} 2/);
    expect(text).toMatch(
      /concord_append_duration_seconds_count\{region="us",service="writer",outcome="created"\} 2/,
    );
    expect(text).toMatch(/concord_fenced\{region="us",service="writer"\} 0/);
    const appended = lines.filter((l) => l.msg === 'event appended' && l.stream === 'metrics-1');
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ service: 'writer', region: 'us', level: 'info' });
    expect(typeof appended[0]!.eventId).toBe('string');
  });
});
