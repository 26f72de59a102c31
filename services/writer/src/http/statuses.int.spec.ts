import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { Envelope } from '@concord/core';
import type { EventLog, LogRecord } from '../append/EventLog.js';
import type { RunningWriter } from '../startWriter.js';
import {
  ADMIN_TOKEN,
  cleanup,
  client,
  prepareNamespace,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * Every status of the append API (docs/writer.md §1), each triggered for real against the local
 * stack's Kafka, Postgres and Redis. (503 BUS_UNAVAILABLE, with the broker really stopped, is
 * in append/kafkaDown.int.spec.ts; fence details in fence/fence.int.spec.ts.)
 */
let config: ConcordConfig;
let writer: RunningWriter;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  writer = await startTestWriter(config);
  api = client(writer.url);
});

afterAll(async () => {
  await writer?.close();
  await cleanup(config);
});

const errorCode = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

describe('POST /v1/streams/{stream}/events', () => {
  it('201 with the signed event once Kafka acknowledged', async () => {
    const r = await api.append('profile-1', { type: 'ProfileUpdated', data: { name: 'Ada' } });
    expect(r.status).toBe(201);
    expect(r.body.duplicate).toBe(false);
    const event = r.body.event;
    expect(event).toMatchObject({
      v: 1,
      stream: 'profile-1',
      type: 'ProfileUpdated',
      data: { name: 'Ada' },
      origin: 'us',
      parents: [],
    });
    expect(event.meta).toMatchObject({ signedBy: 'us' });
    expect(typeof event.meta.payloadHash).toBe('string');
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect(event.meta.requestId).toBe(r.headers.get('x-request-id'));
  });

  it('200 duplicate for a repeated key with the same payload (body or header), 422 for another', async () => {
    const body = { type: 'ProfileUpdated', data: { city: 'Paris' }, idempotencyKey: 'idem-1' };
    const first = await api.append('profile-2', body);
    expect(first.status).toBe(201);
    const again = await api.append('profile-2', body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, event: { id: first.body.event.id } });
    const viaHeader = await api.append(
      'profile-2',
      { type: 'ProfileUpdated', data: { city: 'Paris' } },
      { 'idempotency-key': 'idem-1' },
    );
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.event.id).toBe(first.body.event.id);
    const other = await api.append('profile-2', { ...body, data: { city: 'Rome' } });
    expect(other.status).toBe(422);
    expect(errorCode(other)).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it.each([
    ['a bad stream id', '-bad', { type: 'T', data: {} }, 'VALIDATION_FAILED'],
    [
      'a stream id of 201 characters',
      'a'.repeat(201),
      { type: 'T', data: {} },
      'VALIDATION_FAILED',
    ],
    ['a missing type', 's-1', { data: {} }, 'VALIDATION_FAILED'],
    ['a bad type', 's-1', { type: '1x', data: {} }, 'VALIDATION_FAILED'],
    ['a reserved type', 's-1', { type: 'concord.merge', data: {} }, 'RESERVED_TYPE'],
    ['data that is not an object', 's-1', { type: 'T', data: [1] }, 'VALIDATION_FAILED'],
    ['a bad causedBy', 's-1', { type: 'T', data: {}, causedBy: 'nope' }, 'VALIDATION_FAILED'],
    ['an unknown field', 's-1', { type: 'T', data: {}, extra: true }, 'VALIDATION_FAILED'],
    ['malformed JSON', 's-1', '{"type":', 'BAD_REQUEST'],
  ])('400 for %s', async (_what, stream, body, code) => {
    const r = await api.append(stream, body);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe(code);
  });

  it('accepts a stream id of 200 characters with every allowed character', async () => {
    const stream = `Aa0._:@-${'x'.repeat(192)}`;
    const r = await api.append(stream, { type: 'T', data: {} });
    expect(r.status).toBe(201);
    expect(r.body.event.stream).toBe(stream);
  });

  it('401 without or with a wrong token, 403 for an API token on the admin API', async () => {
    const anonymous = client(writer.url, null);
    expect((await anonymous.append('s-1', { type: 'T', data: {} })).status).toBe(401);
    const wrong = client(writer.url, 'not-the-token-0000000000');
    expect((await wrong.append('s-1', { type: 'T', data: {} })).status).toBe(401);
    const r = await api.call('POST', '/v1/admin/fence', {});
    expect(r.status).toBe(403);
    expect(errorCode(r)).toBe('FORBIDDEN');
  });

  it('404 for an unknown route', async () => {
    const r = await api.call('POST', '/v1/streams/s-1/nothing', { type: 'T', data: {} });
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('NOT_FOUND');
  });

  it('409 with the current heads when the expected heads differ', async () => {
    const a = await api.append('profile-3', {
      type: 'ProfileUpdated',
      data: {},
      expectedHeads: [],
    });
    expect(a.status).toBe(201);
    const stale = await api.append('profile-3', {
      type: 'ProfileUpdated',
      data: {},
      expectedHeads: [],
    });
    expect(stale.status).toBe(409);
    expect(errorCode(stale)).toBe('EXPECTED_HEADS_MISMATCH');
    expect((stale.body as unknown as { error: { details: unknown } }).error.details).toMatchObject({
      heads: [a.body.event.id],
    });
    const ok = await api.append('profile-3', {
      type: 'ProfileUpdated',
      data: {},
      expectedHeads: [a.body.event.id],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.event.parents).toEqual([a.body.event.id]);
  });

  it('413 for a body beyond the limit and for an event beyond the envelope limit', async () => {
    const huge = await api.append('s-1', {
      type: 'T',
      data: { pad: 'x'.repeat(2 * config.limits.maxEventBytes) },
    });
    expect(huge.status).toBe(413);
    expect(errorCode(huge)).toBe('PAYLOAD_TOO_LARGE');
    const big = await api.append('s-1', {
      type: 'T',
      data: { pad: 'x'.repeat(config.limits.maxEventBytes) },
    });
    expect(big.status).toBe(413);
    expect(errorCode(big)).toBe('ENVELOPE_TOO_LARGE');
  });

  it('415 for a body that is not JSON', async () => {
    const r = await api.call('POST', '/v1/streams/s-1/events', 'type=T', {
      'content-type': 'text/plain',
    });
    expect(r.status).toBe(415);
    expect(errorCode(r)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('422 when the domain refuses (prepare)', async () => {
    const r = await api.append('account-1', { type: 'Withdrawn', data: { amount: 10 } });
    expect(r.status).toBe(422);
    expect(errorCode(r)).toBe('DOMAIN_REJECTED');
  });

  it('503 REGION_FENCED with Retry-After while fenced', async () => {
    const admin = client(writer.url, ADMIN_TOKEN);
    expect((await admin.call('POST', '/v1/admin/fence', { reason: 'test' })).status).toBe(200);
    try {
      const r = await api.append('s-1', { type: 'T', data: {} });
      expect(r.status).toBe(503);
      expect(errorCode(r)).toBe('REGION_FENCED');
      expect(r.headers.get('retry-after')).toBe('30');
    } finally {
      expect((await admin.call('DELETE', '/v1/admin/fence')).status).toBe(200);
    }
    expect((await api.append('s-1', { type: 'T', data: {} })).status).toBe(201);
  });
});

/** Holds every acknowledgement until released: a slow bus, to fill a tiny in-flight bound. */
class HeldEventLog implements EventLog {
  private release!: () => void;
  private held = new Promise<void>((resolve) => (this.release = resolve));
  readonly records: LogRecord[] = [];
  async append(record: LogRecord): Promise<undefined> {
    await this.held;
    this.records.push(record);
    return undefined;
  }
  open(): void {
    this.release();
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

describe('back-pressure', () => {
  it('429 BACKPRESSURE with Retry-After beyond the in-flight bound, for appends and batches', async () => {
    const tiny = writerTestConfig({ CONCORD_MAX_INFLIGHT_APPENDS: '2' });
    await prepareNamespace(tiny);
    const log = new HeldEventLog();
    const slow = await startTestWriter(tiny, { eventLog: log });
    try {
      const c = client(slow.url);
      const pending = [
        c.append('bp-1', { type: 'T', data: {} }),
        c.append('bp-2', { type: 'T', data: {} }),
      ];
      await expect.poll(() => slow.inflight()).toBe(2);
      const refused = await c.append('bp-3', { type: 'T', data: {} });
      expect(refused.status).toBe(429);
      expect(errorCode(refused)).toBe('BACKPRESSURE');
      expect(refused.headers.get('retry-after')).toBe('1');
      const batch = await c.call('POST', '/v1/events', {
        events: [{ stream: 'bp-4', type: 'T', data: {} }],
      });
      expect(batch.status).toBe(429);
      log.open();
      expect((await Promise.all(pending)).map((r) => r.status)).toEqual([201, 201]);
      expect((await c.append('bp-3', { type: 'T', data: {} })).status).toBe(201);
    } finally {
      log.open();
      await slow.close();
      await cleanup(tiny);
    }
  });
});

describe('POST /v1/events (batch)', () => {
  it('gives per-item results in request order, keeps the order within a stream', async () => {
    const first = await api.call<{
      results: { status: number; event?: Envelope; error?: { code: string } }[];
    }>('POST', '/v1/events', {
      events: [
        { stream: 'batch-1', type: 'T', data: { i: 0 } },
        { stream: 'batch-2', type: 'T', data: { i: 1 }, idempotencyKey: 'b' },
        { stream: 'batch-1', type: 'T', data: { i: 2 } },
        { stream: 'batch-1', type: 'concord.merge', data: {} },
        { stream: 'account-9', type: 'Withdrawn', data: { amount: 1 } },
        { stream: 'batch-2', type: 'T', data: { i: 1 }, idempotencyKey: 'b' },
      ],
    });
    expect(first.status).toBe(200);
    const results = first.body.results;
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 400, 422, 200]);
    expect(results[2]!.event!.parents).toEqual([results[0]!.event!.id]);
    expect(results[3]!.error!.code).toBe('RESERVED_TYPE');
    expect(results[5]!.event!.id).toBe(results[1]!.event!.id);
  });

  it('400 beyond the batch limit', async () => {
    const events = Array.from({ length: config.limits.maxBatchItems + 1 }, (_, i) => ({
      stream: `many-${i}`,
      type: 'T',
      data: {},
    }));
    const r = await api.call('POST', '/v1/events', { events });
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('VALIDATION_FAILED');
    const ok = await api.call<{ results: { status: number }[] }>('POST', '/v1/events', {
      events: events.slice(0, config.limits.maxBatchItems),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.results.filter((x) => x.status !== 201).slice(0, 3)).toEqual([]);
  });
});

describe('service endpoints', () => {
  it('serves /healthz, /readyz, /metrics and the OpenAPI document of every route', async () => {
    const anonymous = client(writer.url, null);
    expect((await anonymous.get('/healthz')).body).toMatchObject({ status: 'ok', region: 'us' });
    const ready = await anonymous.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ready: true,
      checks: { kafka: true, postgres: true, redis: true },
    });
    const metrics = await anonymous.get('/metrics');
    expect(String(metrics.body)).toMatch(
      /concord_events_appended_total\{region="us",service="writer"\} [1-9]/,
    );
    expect(String(metrics.body)).toContain('concord_append_duration_seconds_bucket');
    expect(String(metrics.body)).toMatch(/concord_fenced\{region="us",service="writer"\} 0/);
    const doc = (
      await anonymous.get<{ paths: Record<string, Record<string, unknown>> }>('/v1/openapi.json')
    ).body;
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/admin/fence',
      '/v1/admin/merges',
      '/v1/events',
      '/v1/reads',
      '/v1/sessions',
      '/v1/streams/{stream}',
      '/v1/streams/{stream}/events',
    ]);
    expect(Object.keys(doc.paths['/v1/admin/fence']!).sort()).toEqual(['delete', 'get', 'post']);
  });
});
