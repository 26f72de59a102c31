import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { sleep, type Envelope } from '@concord/core';
import type { pg } from '@concord/postgres';
import type { RunningWriter } from '../startWriter.js';
import {
  cleanup,
  client,
  prepareNamespace,
  regionPool,
  seedProjection,
  startTestWriter,
  writerTestConfig,
} from '../testing/writerFixture.js';

/**
 * Reads from the regional projection. The mirror is built in parallel, so these tests seed
 * `projection.*` rows themselves, the way the mirror stores applied events (see
 * `seedProjection`): the events are real, appended through the writer.
 */
let config: ConcordConfig;
let writer: RunningWriter;
let pool: pg.Pool;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  config = writerTestConfig();
  await prepareNamespace(config);
  writer = await startTestWriter(config);
  pool = regionPool(config);
  api = client(writer.url);
});

afterAll(async () => {
  await writer?.close();
  await pool?.end();
  await cleanup(config);
});

async function append(stream: string, data: Record<string, unknown>, type = 'ProfileUpdated') {
  const r = await api.append(stream, { type, data });
  expect(r.status).toBe(201);
  return r.body.event;
}

const errorCode = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

describe('GET /v1/streams/{stream}', () => {
  it('404 for a stream without applied events, then the folded stream once applied', async () => {
    const missing = await api.get('/v1/streams/profile-r1');
    expect(missing.status).toBe(404);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const a = await append('profile-r1', { name: 'Ada', city: 'Paris' });
    const b = await append('profile-r1', { city: 'Boston' });
    await seedProjection(pool, [a, b]);
    const r = await api.get('/v1/streams/profile-r1');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      stream: 'profile-r1',
      state: { name: 'Ada', city: 'Boston' },
      heads: [b.id],
      version: 2,
      openConflicts: [],
      pending: 0,
      region: 'us',
    });
  });

  it('reports open conflicts and parked events of the stream', async () => {
    const a = await append('profile-r2', { x: 1 });
    await seedProjection(pool, [a]);
    await pool.query(
      `insert into projection.conflicts (id, stream, heads, status, policy, contested_fields)
       values ('7fb560c5-42f3-57d4-8d04-d98c0e8d4371', 'profile-r2', $1, 'open', 'lww', '{/x}')`,
      [[a.id]],
    );
    await pool.query(
      `insert into projection.pending (id, stream, envelope, missing, source)
       values ('019b76da-bb88-7ce6-8f0a-c0b11b6ff4df', 'profile-r2', '{}', $1, 'test')`,
      [['019b76da-bb88-7648-8e3a-88348b63929e']],
    );
    const r = await api.get<{ openConflicts: unknown[]; pending: number }>(
      '/v1/streams/profile-r2',
    );
    expect(r.body.pending).toBe(1);
    expect(r.body.openConflicts).toEqual([
      {
        id: '7fb560c5-42f3-57d4-8d04-d98c0e8d4371',
        heads: [a.id],
        policy: 'lww',
        contestedFields: ['/x'],
        detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
  });

  it('?after= waits until the event is applied here (read-your-writes)', async () => {
    const a = await append('profile-r3', { v: 1 });
    const started = Date.now();
    const waiting = api.get(`/v1/streams/profile-r3?after=${a.id}&waitMs=5000`);
    await sleep(300);
    await seedProjection(pool, [a]);
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      state: { v: 1 },
      heads: [a.id],
      after: { id: a.id, applied: true },
    });
    // It answered once the event was applied (after the seed), not at the 5 s deadline: at the
    // deadline it would say applied: false.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('?after= says applied: false when the event is not applied in time (the state may be older)', async () => {
    const a = await append('profile-r4', { v: 1 });
    await seedProjection(pool, [a]);
    const b = await append('profile-r4', { v: 2 });
    const r = await api.get(`/v1/streams/profile-r4?after=${b.id}&waitMs=200`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      state: { v: 1 },
      heads: [a.id],
      after: { id: b.id, applied: false },
    });
    expect((r.body as { after: { waitedMs: number } }).after.waitedMs).toBeGreaterThanOrEqual(190);
    // A stream never applied here stays 404 after the wait.
    const none = await api.get(`/v1/streams/profile-none?after=${b.id}&waitMs=50`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({
      error: { code: 'NOT_FOUND', details: { after: { id: b.id, applied: false } } },
    });
  });

  it('400 for a bad after or waitMs beyond 30 s', async () => {
    expect((await api.get('/v1/streams/profile-r4?after=nope')).status).toBe(400);
    const id = '019b76da-bb88-7648-8e3a-88348b63929e';
    expect((await api.get(`/v1/streams/profile-r4?after=${id}&waitMs=30001`)).status).toBe(400);
    expect((await api.get('/v1/streams/profile-r4?other=1')).status).toBe(400);
  });
});

describe('GET /v1/streams/{stream}/events', () => {
  it('pages through the applied events in fold order', async () => {
    const events: Envelope[] = [];
    for (let i = 0; i < 5; i++) events.push(await append('profile-r5', { i }));
    await seedProjection(pool, events);
    const first = await api.get<{ events: Envelope[]; next: number | null; version: number }>(
      '/v1/streams/profile-r5/events?limit=2',
    );
    expect(first.status).toBe(200);
    expect(first.body.events.map((e) => e.id)).toEqual([events[0]!.id, events[1]!.id]);
    expect(first.body.next).toBe(2);
    expect(first.body.version).toBe(5);
    const last = await api.get<{ events: Envelope[]; next: number | null }>(
      '/v1/streams/profile-r5/events?from=4&limit=2',
    );
    expect(last.body.events.map((e) => e.id)).toEqual([events[4]!.id]);
    expect(last.body.next).toBeNull();
    expect(last.body.events[0]).toEqual(events[4]); // the envelope as written, signature intact
    expect((await api.get('/v1/streams/profile-r5/events?limit=1001')).status).toBe(400);
    expect((await api.get('/v1/streams/profile-none/events')).status).toBe(404);
  });
});

describe('POST /v1/reads', () => {
  interface BatchRead {
    region: string;
    streams: { stream: string; state: unknown; version: number }[];
    missing: string[];
  }

  it('answers the known streams and names the missing ones, in request order, each once', async () => {
    const a = await append('profile-b1', { name: 'Ada' });
    const b = await append('profile-b2', { name: 'Grace' });
    await seedProjection(pool, [a]);
    await seedProjection(pool, [b]);
    const streams = ['profile-b2', 'profile-bx', 'profile-b1', 'profile-b2'];
    const r = await api.call<BatchRead>('POST', '/v1/reads', { streams });
    expect(r.status).toBe(200);
    expect(r.body.region).toBe('us');
    expect(r.body.streams.map((v) => [v.stream, v.state, v.version])).toEqual([
      ['profile-b2', { name: 'Grace' }, 1],
      ['profile-b1', { name: 'Ada' }, 1],
    ]);
    expect(r.body.missing).toEqual(['profile-bx']);
    // Each view is the one GET /v1/streams/{stream} answers, without its region.
    const single = await api.get<Record<string, unknown>>('/v1/streams/profile-b1');
    const { region: _region, ...view } = single.body;
    expect(r.body.streams[1]).toEqual(view);
  });

  it('400 VALIDATION_FAILED for a bad stream name (named by index), no streams, or too many', async () => {
    const bad = await api.call('POST', '/v1/reads', { streams: ['profile-b1', 'bad name!'] });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.body)).toContain('streams');
    for (const body of [
      { streams: [] },
      {},
      { streams: 'profile-b1' },
      { streams: ['profile-b1'], extra: 1 },
      { streams: Array.from({ length: 101 }, (_, i) => `profile-many-${i}`) },
    ]) {
      const r = await api.call('POST', '/v1/reads', body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(errorCode(r)).toBe('VALIDATION_FAILED');
    }
    const wait = await api.call('POST', '/v1/reads?waitMs=30001', { streams: ['profile-b1'] });
    expect(wait.status).toBe(400);
  });
});

describe('heads from the projection', () => {
  it('names the projection heads and own unprojected events as parents', async () => {
    const a = await append('profile-r6', { a: 1 });
    const b = await append('profile-r6', { b: 1 });
    expect(b.parents).toEqual([a.id]);
    // The projection has a, and an event of another region built on a (concurrent with b).
    const remote: Envelope = {
      ...a,
      id: '019b76db-0000-7000-8000-000000000001',
      origin: 'eu',
      parents: [a.id],
      hlc: { wall: a.hlc.wall + 1, logical: 0 },
      data: { remote: true },
    };
    await seedProjection(pool, [a, remote]);
    const c = await append('profile-r6', { c: 1 });
    expect(c.parents).toEqual([b.id, remote.id].sort());
    // Once everything is applied, the projection's heads are the whole answer.
    await seedProjection(pool, [a, remote, b, c]);
    const d = await append('profile-r6', { d: 1 });
    expect(d.parents).toEqual([c.id]);
  });
});
