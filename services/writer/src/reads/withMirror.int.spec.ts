import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import type { Envelope } from '@concord/core';
import { startMirror, type MirrorHandle } from '@concord/mirror';
import { createRedis, type Redis } from '@concord/redis';
import { createLogger } from '@concord/telemetry';
import { createDatabases, createTopics } from '@concord/test-support';
import type { RunningWriter } from '../startWriter.js';
import { cleanup, client, startTestWriter, writerTestConfig } from '../testing/writerFixture.js';

/**
 * The writer with the real mirror of its region (services/mirror): read-your-writes through
 * `?after=`, reads of the folded stream and its events, and the own chain forgotten once the
 * projection has it.
 */
let config: ConcordConfig;
let mirror: MirrorHandle;
let writer: RunningWriter;
let redis: Redis;

beforeAll(async () => {
  config = writerTestConfig();
  await Promise.all([createTopics(config), createDatabases(config, ['us'])]);
  mirror = await startMirror(config, {
    region: 'us',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ service: 'mirror', region: 'us', level: 'silent' }),
  });
  writer = await startTestWriter(config);
  const rc = config.byRegion['us']!;
  redis = createRedis({ url: rc.redis.url, keyPrefix: rc.redis.keyPrefix });
});

afterAll(async () => {
  redis?.disconnect();
  await writer?.close();
  await mirror?.close();
  await cleanup(config);
});

describe('with the real mirror', () => {
  it('reads its own writes, folded, and forgets the own chain once it is applied', async () => {
    const api = client(writer.url);
    const events: Envelope[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await api.append('profile-live', {
        type: 'ProfileUpdated',
        data: { n: i, [`f${i % 3}`]: i },
      });
      expect(r.status).toBe(201);
      events.push(r.body.event);
    }
    const last = events.at(-1)!;
    const read = await api.get<Record<string, unknown>>(
      `/v1/streams/profile-live?after=${last.id}&waitMs=20000`,
    );
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      stream: 'profile-live',
      heads: [last.id],
      version: 20,
      openConflicts: [],
      pending: 0,
      region: 'us',
      after: { id: last.id, applied: true },
      state: { n: 19, f0: 18, f1: 19, f2: 17 },
    });

    const page = await api.get<{ events: Envelope[]; next: number | null }>(
      '/v1/streams/profile-live/events?limit=1000',
    );
    expect(page.body.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(page.body.next).toBeNull();

    // Applied: the next append names the projection's head, and the own chain shrinks to it.
    const next = await api.append('profile-live', { type: 'ProfileUpdated', data: { n: 20 } });
    expect(next.body.event.parents).toEqual([last.id]);
    expect(await redis.llen('own:{profile-live}')).toBe(1);
  });
});
