import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { sleep } from '@concord/core';
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
 * "Failed" means nothing was written (docs/decisions/0006-outcome-unknown.md): under a steady
 * load, the region's broker is killed (SIGKILL) and later frozen (SIGSTOP) while requests are
 * in flight. Every answer is 201, a definite 503 BUS_UNAVAILABLE, or 503 OUTCOME_UNKNOWN; no
 * value answered as definitely failed is ever in the log of record (the only source every
 * region applies from), and a retry with the key of an unknown outcome yields one event.
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

type Answer = 'acked' | 'definite' | 'unknown';
interface Outcome {
  readonly stream: string;
  readonly marker: string;
  readonly answer: Answer;
  readonly eventId?: string;
}

/** Appends with unique markers (also the idempotency keys) from `workers` loops until stopped. */
function load(workers: number) {
  const api = client(writer.url);
  const outcomes: Outcome[] = [];
  const unexpected: string[] = [];
  let stopped = false;
  let seq = 0;
  const loops = Array.from({ length: workers }, async (_, w) => {
    while (!stopped) {
      const stream = `load-${w % 4}`;
      const marker = `m-${w}-${seq++}`;
      const r = await api.append(stream, {
        type: 'T',
        data: { marker },
        idempotencyKey: marker,
      });
      const error = (r.body as { error?: { code?: string; details?: { ambiguous?: boolean } } })
        .error;
      if (r.status === 201) {
        outcomes.push({ stream, marker, answer: 'acked', eventId: r.body.event.id });
      } else if (r.status === 503 && error?.code === 'OUTCOME_UNKNOWN') {
        expect(error.details?.ambiguous).toBe(true);
        expect(r.headers.get('retry-after')).toBe('2');
        outcomes.push({ stream, marker, answer: 'unknown' });
      } else if (r.status === 503 && error?.code === 'BUS_UNAVAILABLE') {
        expect(error.details?.ambiguous).toBe(false);
        outcomes.push({ stream, marker, answer: 'definite' });
        await sleep(50); // a client backs off (Retry-After) instead of spinning on a dead bus
      } else {
        unexpected.push(`${r.status} ${JSON.stringify(r.body)}`);
      }
    }
  });
  return {
    outcomes,
    unexpected,
    count: (answer: Answer) => outcomes.filter((o) => o.answer === answer).length,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('produce failures under load', () => {
  it('never answers "failed" for a record that reaches the log', async () => {
    const broker = testStack(config).broker('us');
    const traffic = load(8);
    try {
      await waitFor(() => traffic.count('acked') >= 50, {
        timeoutMs: 60_000,
        message: 'no steady load',
      });
      // SIGKILL mid-request: the requests in flight lose their connection.
      await broker.kill();
      await waitFor(() => traffic.count('definite') >= 5, {
        timeoutMs: 60_000,
        message: 'no definite failure while the broker was down',
      });
      await broker.start();
      const acked = traffic.count('acked');
      await waitFor(() => traffic.count('acked') >= acked + 50, {
        timeoutMs: 60_000,
        message: 'the writer did not resume after the restart',
      });
      // SIGSTOP mid-request: the requests in flight hang until the deadline.
      await broker.pause();
      await waitFor(() => traffic.count('unknown') >= 1, {
        timeoutMs: 30_000,
        message: 'no unknown outcome while the broker was frozen',
      });
    } finally {
      await broker.resume();
      if (broker.status().state === 'stopped') await broker.start();
    }
    const resumed = traffic.count('acked');
    await waitFor(() => traffic.count('acked') >= resumed + 50, {
      timeoutMs: 60_000,
      message: 'the writer did not resume after SIGCONT',
    });
    await traffic.stop();
    expect(traffic.unexpected).toEqual([]);

    // The client's part of the contract: retry every unknown outcome with its key.
    const api = client(writer.url);
    const retried = new Map<string, string>();
    for (const o of traffic.outcomes.filter((x) => x.answer === 'unknown')) {
      const r = await waitFor(
        async () => {
          const x = await api.append(o.stream, {
            type: 'T',
            data: { marker: o.marker },
            idempotencyKey: o.marker,
          });
          return x.status === 201 || x.status === 200 ? x : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, message: `retry of ${o.marker}` },
      );
      expect(r.body.event.idempotencyKey).toBe(o.marker);
      retried.set(o.marker, r.body.event.id);
    }

    const records = await readEventsTopic(config);
    const idsByMarker = new Map<string, Set<string>>();
    for (const r of records) {
      const marker = (r.value.data as { marker?: string }).marker;
      if (marker === undefined) continue;
      idsByMarker.set(marker, (idsByMarker.get(marker) ?? new Set()).add(r.value.id));
    }
    const definite = traffic.outcomes.filter((o) => o.answer === 'definite');
    expect(definite.filter((o) => idsByMarker.has(o.marker)).map((o) => o.marker)).toEqual([]);
    for (const o of traffic.outcomes.filter((x) => x.answer === 'acked')) {
      expect(idsByMarker.get(o.marker)).toEqual(new Set([o.eventId]));
    }
    for (const [marker, id] of retried) {
      const ids = idsByMarker.get(marker)!;
      // The retry's event is in the log; at most the first attempt's event besides it (the
      // fold applies only the first event of a key: docs/semantics.md).
      expect(ids.has(id)).toBe(true);
      expect(ids.size).toBeLessThanOrEqual(2);
    }
  });
});
