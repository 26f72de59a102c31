import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordConfig } from '@concord/config';
import { createSigner, generateRegionKeyPair, issueSessionToken } from '@concord/core';
import { startMirror, type MirrorHandle } from '@concord/mirror';
import { createLogger } from '@concord/telemetry';
import { createDatabases, createTopics, testStack } from '@concord/test-support';
import type { RunningWriter } from '../startWriter.js';
import { cleanup, client, startTestWriter, writerTestConfig } from '../testing/writerFixture.js';

/**
 * Session tokens across regions, on the real brokers, links and mirrors of the local stack:
 * a write in us is read in ap with its token (never stale: the answer waits, or is a clean 503
 * while ap is cut off from us), tokens merge across regions, and forged or foreign tokens are
 * refused.
 */
let us: ConcordConfig;
let ap: ConcordConfig;
const mirrors: MirrorHandle[] = [];
const writers: Record<string, RunningWriter> = {};
const stack = () => testStack(us);

beforeAll(async () => {
  us = writerTestConfig();
  ap = writerTestConfig({ CONCORD_REGION: 'ap', CONCORD_NAMESPACE: us.namespace });
  await Promise.all([createTopics(us), createDatabases(us, ['us', 'ap'])]);
  for (const region of ['us', 'ap']) {
    mirrors.push(
      await startMirror(us, {
        region,
        port: 0,
        host: '127.0.0.1',
        logger: createLogger({ service: 'mirror', region, level: 'silent' }),
      }),
    );
  }
  writers['us'] = await startTestWriter(us);
  writers['ap'] = await startTestWriter(ap, {
    logger: createLogger({ service: 'writer', region: 'ap', level: 'silent' }),
  });
});

afterAll(async () => {
  await stack()
    .links.heal('us', 'ap')
    .catch(() => undefined);
  for (const w of Object.values(writers)) await w.close();
  for (const m of mirrors) await m.close();
  await cleanup(us);
});

const api = (region: string) => client(writers[region]!.url);
const code = (r: { body: unknown }) => (r.body as { error?: { code?: string } }).error?.code;

async function append(region: string, stream: string, data: object, session?: string) {
  const r = await api(region).append(
    stream,
    { type: 'ProfileUpdated', data },
    session ? { 'concord-session': session } : {},
  );
  expect(r.status).toBe(201);
  const body = r.body as unknown as { session: string };
  expect(r.headers.get('concord-session')).toBe(body.session);
  return { event: r.body.event, session: body.session };
}

const read = (region: string, path: string, session: string) =>
  api(region).call<Record<string, unknown>>('GET', path, undefined, {
    'concord-session': session,
  });

describe('session tokens', () => {
  it('a write in us is there when ap is read right away with its token', async () => {
    const { event, session } = await append('us', 'profile-s1', { name: 'Ada' });
    const r = await read('ap', '/v1/streams/profile-s1?waitMs=20000', session);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ region: 'ap', state: { name: 'Ada' }, heads: [event.id] });
    expect(r.headers.get('concord-session')).toBeTruthy();
    const batch = await api('ap').call<{ streams: { stream: string }[]; missing: string[] }>(
      'POST',
      '/v1/reads?waitMs=20000',
      { streams: ['profile-s1', 'profile-s1-none'] },
      { 'concord-session': session },
    );
    expect(batch.status).toBe(200);
    expect(batch.body.streams).toMatchObject([{ stream: 'profile-s1', state: { name: 'Ada' } }]);
    expect(batch.body.missing).toEqual(['profile-s1-none']);
    expect(batch.headers.get('concord-session')).toBeTruthy();
    const events = await read('ap', '/v1/streams/profile-s1/events?waitMs=20000', session);
    expect(events.status).toBe(200);
    expect((events.body as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([
      event.id,
    ]);
  });

  it('while ap cannot read us: a clean 503 SESSION_NOT_CAUGHT_UP, never stale; after heal the write', async () => {
    await stack().links.partition('us', 'ap', { oneway: true }); // ap can no longer read us
    try {
      const first = await append('us', 'profile-s2', { city: 'Paris' });
      const r = await read('ap', '/v1/streams/profile-s2?waitMs=1000', first.session);
      expect(r.status).toBe(503);
      expect(code(r)).toBe('SESSION_NOT_CAUGHT_UP');
      expect(r.headers.get('retry-after')).toBe('1');
      const batch = await api('ap').call(
        'POST',
        '/v1/reads?waitMs=500',
        { streams: ['profile-s2'] },
        { 'concord-session': first.session },
      );
      expect(batch.status).toBe(503);
      expect(code(batch)).toBe('SESSION_NOT_CAUGHT_UP');
      expect((r.body as { error: { details: unknown } }).error.details).toMatchObject({
        missing: 1,
        missingByOrigin: { us: 1 },
      });
    } finally {
      await stack().links.heal('us', 'ap');
    }
    const again = await append('us', 'profile-s2', { city: 'Boston' });
    const r = await read('ap', '/v1/streams/profile-s2?waitMs=30000', again.session);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: { city: 'Boston' }, heads: [again.event.id] });
  });

  it('tokens merge across regions: a read covers the writes of both', async () => {
    const a = await append('us', 'profile-s3', { n: 1 });
    const b = await append('ap', 'profile-s4', { n: 2 }, a.session);
    for (const region of ['us', 'ap']) {
      const s3 = await read(region, '/v1/streams/profile-s3?waitMs=20000', b.session);
      const s4 = await read(region, '/v1/streams/profile-s4?waitMs=20000', b.session);
      expect([s3.status, s4.status]).toEqual([200, 200]);
      expect(s3.body).toMatchObject({ state: { n: 1 } });
      expect(s4.body).toMatchObject({ state: { n: 2 } });
    }
    const batch = await api('us').call<{ session: string; results: { status: number }[] }>(
      'POST',
      '/v1/events',
      { events: [{ stream: 'profile-s5', type: 'ProfileUpdated', data: { n: 3 } }] },
      { 'concord-session': b.session },
    );
    expect(batch.status).toBe(200);
    const s5 = await read('ap', '/v1/streams/profile-s5?waitMs=20000', batch.body.session);
    expect(s5.body).toMatchObject({ state: { n: 3 } });
  });

  it('covers every write of a long session: an old write of another region is not forgotten behind 40 newer ones', async () => {
    // us can no longer read ap: ap's write stays unapplied in us while us takes 40 more.
    await stack().links.partition('ap', 'us', { oneway: true });
    let last: { session: string; event: { id: string } };
    try {
      const first = await append('ap', 'profile-long-ap', { n: 0 });
      last = first;
      for (let i = 1; i <= 40; i++) {
        last = await append('us', `profile-long-us-${i % 10}`, { n: i }, last.session);
      }
      // Positions, not ids: one entry per (origin, partition), whatever the number of writes.
      const payload = JSON.parse(
        Buffer.from(last.session.split('.')[1]!, 'base64url').toString(),
      ) as { w: unknown[]; o: [string, number, number][] };
      expect(payload.w).toEqual([]);
      expect(new Set(payload.o.map(([origin]) => origin))).toEqual(new Set(['ap', 'us']));
      const r = await read('us', '/v1/streams/profile-long-us-0?waitMs=1000', last.session);
      expect(r.status).toBe(503);
      expect(code(r)).toBe('SESSION_NOT_CAUGHT_UP');
      expect((r.body as { error: { details: unknown } }).error.details).toMatchObject({
        missingByOrigin: { ap: 1 },
      });
    } finally {
      await stack().links.heal('ap', 'us');
    }
    const r = await read('us', '/v1/streams/profile-long-ap?waitMs=30000', last.session);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: { n: 0 } });
  });

  it('a duplicate answer covers the earlier event by its position, as the first answer did', async () => {
    const payload = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        w: unknown[];
        o?: unknown[];
      };
    const body = { type: 'ProfileUpdated', data: { n: 1 }, idempotencyKey: 'dup-position' };
    const first = await api('us').append('profile-dup', body);
    const again = await api('us').append('profile-dup', body);
    expect([first.status, again.status]).toEqual([201, 200]);
    const [a, b] = [first, again].map((r) =>
      payload((r.body as unknown as { session: string }).session),
    );
    expect(a!.w).toEqual([]);
    expect(a!.o).toHaveLength(1);
    expect(b).toEqual({ ...a, at: expect.any(Number) });
  });

  it('POST /v1/sessions merges tokens of two regions into one that covers both', async () => {
    const a = await append('us', 'profile-m1', { n: 1 });
    const b = await append('ap', 'profile-m2', { n: 2 });
    const r = await api('us').call<{ session: string }>('POST', '/v1/sessions', undefined, {
      'concord-session': `${a.session},${b.session}`,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('concord-session')).toBe(r.body.session);
    const o = (
      JSON.parse(Buffer.from(r.body.session.split('.')[1]!, 'base64url').toString()) as {
        o: [string][];
      }
    ).o.map(([origin]) => origin);
    expect(new Set(o)).toEqual(new Set(['us', 'ap']));
    for (const stream of ['profile-m1', 'profile-m2']) {
      const read1 = await read('ap', `/v1/streams/${stream}?waitMs=20000`, r.body.session);
      expect(read1.status).toBe(200);
    }
    const none = await api('us').call('POST', '/v1/sessions');
    expect(none.status).toBe(400);
    expect(code(none)).toBe('SESSION_INVALID');
  });

  it('refuses forged, foreign and malformed tokens with 400 SESSION_INVALID', async () => {
    const { event } = await append('us', 'profile-s6', { n: 1 });
    const writes = { writes: [{ id: event.id, origin: 'us', wall: event.hlc.wall }] };
    const forged = issueSessionToken(writes, {
      signer: createSigner('us', generateRegionKeyPair().privateKey),
      namespace: us.namespace,
      now: Date.now(),
    });
    const foreign = issueSessionToken(writes, {
      signer: createSigner('us', generateRegionKeyPair().privateKey),
      namespace: 'another-deployment',
      now: Date.now(),
    });
    for (const token of [forged, foreign, 'not-a-token']) {
      const r = await read('ap', '/v1/streams/profile-s6', token);
      expect(r.status).toBe(400);
      expect(code(r)).toBe('SESSION_INVALID');
      const w = await api('us').append(
        'profile-s6',
        { type: 'ProfileUpdated', data: { n: 2 } },
        { 'concord-session': token },
      );
      expect(w.status).toBe(400);
      expect(code(w)).toBe('SESSION_INVALID');
    }
  });
});
