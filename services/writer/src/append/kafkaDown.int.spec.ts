import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { testStack, waitFor } from '@concord/test-support';
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
 * The region's Kafka down (docs/writer.md §5): 503 BUS_UNAVAILABLE within the request timeout,
 * nothing half-written, and the writer recovers by itself once the broker is back. Stops the
 * shared stack's `us` broker for a few seconds, and always starts it again.
 */
const REQUEST_TIMEOUT_MS = 3000;
let config: ConcordConfig;
let writer: RunningWriter;

beforeAll(async () => {
  config = writerTestConfig({ CONCORD_KAFKA_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  await prepareNamespace(config);
  writer = await startTestWriter(config);
});

afterAll(async () => {
  await writer?.close();
  await cleanup(config);
});

describe('Kafka of the region down', () => {
  it('answers 503 BUS_UNAVAILABLE in time, writes nothing, and resumes by itself', async () => {
    const api = client(writer.url);
    const before = await api.append('bus-1', { type: 'T', data: { phase: 'before' } });
    expect(before.status).toBe(201);

    const broker = testStack(config).broker('us');
    const failed: string[] = [];
    try {
      await broker.stop();
      for (let i = 0; failed.length < 5; i++) {
        // Other test runs share the stack, and their global setup restarts a stopped broker:
        // make sure ours is down before each request (the request then must fail).
        if (broker.status().state !== 'stopped') await broker.stop();
        expect(i).toBeLessThan(25);
        const marker = `down-${i}`;
        const r = await api.append(i % 2 ? 'bus-1' : `bus-new-${i}`, {
          type: 'T',
          data: { marker },
          idempotencyKey: marker,
        });
        if (r.status === 201 && broker.status().state !== 'stopped') continue; // restarted under us
        expect(r.status).toBe(503);
        const error = (r.body as unknown as { error: { code: string; details: object } }).error;
        // The first request after the stop may have been in flight on the closing connection:
        // its outcome is unknown (docs/decisions/0006-outcome-unknown.md), not a failure.
        if (error.code === 'OUTCOME_UNKNOWN') continue;
        expect(error).toMatchObject({ code: 'BUS_UNAVAILABLE', details: { ambiguous: false } });
        expect(r.headers.get('retry-after')).toBe('2');
        failed.push(marker);
      }
      if (broker.status().state !== 'stopped') await broker.stop();
      const ready = await client(writer.url, null).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ checks: { kafka: false, postgres: true } });
    } finally {
      await broker.start();
    }

    // Back: no restart of the writer; appends succeed again (the first one may still be
    // reconnecting, so allow a short catch-up).
    const after = await waitFor(
      async () => {
        const r = await api.append('bus-1', { type: 'T', data: { phase: 'after' } });
        return r.status === 201 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'the writer did not resume' },
    );
    expect(after.body.event.parents).toHaveLength(1);

    // Nothing of the failed requests ever reached the log.
    const records = await readEventsTopic(config);
    const markers = records.map((r) => (r.value.data as { marker?: string }).marker);
    for (const marker of failed) expect(markers).not.toContain(marker);
    expect(records.map((r) => r.value.id)).toEqual(
      expect.arrayContaining([before.body.event.id, after.body.event.id]),
    );
  });

  it('reports a timeout as OUTCOME_UNKNOWN (a hung broker), and a retry with the key stays harmless', async () => {
    const api = client(writer.url);
    expect((await api.append('bus-2', { type: 'T', data: {} })).status).toBe(201);
    const broker = testStack(config).broker('us');
    let r: Awaited<ReturnType<typeof api.append>>;
    try {
      await broker.pause();
      r = await api.append('bus-2', { type: 'T', data: { n: 1 }, idempotencyKey: 'maybe' });
    } finally {
      await broker.resume();
    }
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({
      error: { code: 'OUTCOME_UNKNOWN', details: { ambiguous: true } },
    });
    expect(r.headers.get('retry-after')).toBe('2');
    // The client retries with the same key (docs/decisions/0006-outcome-unknown.md): it gets an event either way;
    // if the first attempt landed too, the fold applies only the first of the key.
    const retry = await waitFor(
      async () => {
        const x = await api.append('bus-2', { type: 'T', data: { n: 1 }, idempotencyKey: 'maybe' });
        return x.status === 201 || x.status === 200 ? x : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'the writer did not resume' },
    );
    expect(retry.body.event.idempotencyKey).toBe('maybe');
  });
});
