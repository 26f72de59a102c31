import { describe, expect, it } from 'vitest';
import {
  compareHlc,
  ConcordError,
  hlcSuccessor,
  isConcordError,
  mergeEventId,
  type Envelope,
  type UnsignedEnvelope,
} from '@concord/core';
import { inMemoryAppender } from '../testing/inMemoryPorts.js';
import { payloadHash } from './payloadHash.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isConcordError(e) ? e.code : String(e)),
  );

describe('Appender (in-memory ports)', () => {
  it('chains the appends of one stream: each names the previous one as its only parent', async () => {
    const { appender, log } = inMemoryAppender();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appender.append({ stream: 'profile-1', type: 'ProfileUpdated', data: { n: i } }),
      ),
    );
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const events = log.events();
    expect(events[0]!.parents).toEqual([]);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.parents).toEqual([events[i - 1]!.id]);
      expect(compareHlc(events[i]!.hlc, events[i - 1]!.hlc)).toBeGreaterThan(0);
    }
    const meta = events[0]!.meta;
    expect(meta.signedBy).toBe('us');
    expect(meta.payloadHash).toBe(payloadHash({ type: 'ProfileUpdated', data: { n: 0 } }));
    expect(Date.parse(meta.acceptedAt as string)).toBeGreaterThan(0);
    expect(log.records[0]!.headers).toMatchObject({
      'concord-event-id': events[0]!.id,
      'concord-origin': 'us',
      'concord-type': 'ProfileUpdated',
    });
    expect(log.records[0]!.stream).toBe('profile-1');
  });

  it('merges the projection heads with own unprojected events', async () => {
    const { appender, log, projection } = inMemoryAppender();
    const a = (await appender.append({ stream: 's-1', type: 'T', data: {} })).event;
    projection.apply(a);
    // A remote event concurrent with what comes next.
    const remote: Envelope = {
      ...a,
      id: '019b76da-bb88-7648-8e3a-88348b63929e',
      origin: 'eu',
      parents: [a.id],
    };
    projection.apply(remote);
    const b = (await appender.append({ stream: 's-1', type: 'T', data: { b: 1 } })).event;
    expect(b.parents).toEqual([remote.id]);
    const c = (await appender.append({ stream: 's-1', type: 'T', data: { c: 1 } })).event;
    expect(c.parents).toEqual([b.id]);
    expect(log.records).toHaveLength(3);
  });

  it('answers a repeated key with the first event, and refuses it for another payload', async () => {
    const { appender, log } = inMemoryAppender();
    const cmd = { stream: 's-2', type: 'T', data: { x: 1 }, idempotencyKey: 'k1' };
    const all = await Promise.all(Array.from({ length: 10 }, () => appender.append(cmd)));
    expect(all.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(all.map((r) => r.event.id)).size).toBe(1);
    expect(log.records).toHaveLength(1);
    expect(await code(appender.append({ ...cmd, data: { x: 2 } }))).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('checks expected heads as a set against the heads including own events', async () => {
    const { appender } = inMemoryAppender();
    expect(
      await code(appender.append({ stream: 's-3', type: 'T', data: {}, expectedHeads: [] })),
    ).toBe('ok');
    const error = await appender
      .append({ stream: 's-3', type: 'T', data: {}, expectedHeads: [] })
      .catch((e: unknown) => e as ConcordError);
    expect(error).toMatchObject({ code: 'EXPECTED_HEADS_MISMATCH' });
    const heads = (error as ConcordError).details?.heads as string[];
    expect(heads).toHaveLength(1);
    expect(
      await code(appender.append({ stream: 's-3', type: 'T', data: {}, expectedHeads: heads })),
    ).toBe('ok');
  });

  it.each([
    ['BUS_UNAVAILABLE', false],
    ['OUTCOME_UNKNOWN', true],
  ] as const)('writes nothing anywhere when Kafka answers %s', async (failure, ambiguous) => {
    const { appender, log, chains } = inMemoryAppender();
    log.fail = new ConcordError(failure, 'down', { details: { ambiguous } });
    const cmd = { stream: 's-4', type: 'T', data: {}, idempotencyKey: 'k' };
    expect(await code(appender.append(cmd))).toBe(failure);
    expect(chains.peek('s-4')).toEqual([]);
    log.fail = undefined;
    const ok = await appender.append(cmd);
    expect(ok.duplicate).toBe(false); // the failed attempt left no idempotency record
    expect(ok.event.parents).toEqual([]);
  });

  it('uses the cached heads while the projection is down, and refuses unknown streams', async () => {
    const { appender, projection } = inMemoryAppender();
    const first = (await appender.append({ stream: 's-5', type: 'T', data: {} })).event;
    projection.down = true;
    const second = (await appender.append({ stream: 's-5', type: 'T', data: {} })).event;
    expect(second.parents).toEqual([first.id]);
    expect(await code(appender.append({ stream: 's-6', type: 'T', data: {} }))).toBe(
      'STORE_UNAVAILABLE',
    );
  });

  it('reads time from the injected clock: acceptedAt, the heads cache, the Postgres breaker', async () => {
    let t = Date.parse('2030-01-01T00:00:00.000Z');
    const { appender, projection, headsCache } = inMemoryAppender({ now: () => t });
    const append = async () =>
      (await appender.append({ stream: 's-10', type: 'T', data: {} })).event;
    const first = await append();
    expect(first.meta.acceptedAt).toBe('2030-01-01T00:00:00.000Z');
    expect((await headsCache.get('s-10'))?.at).toBe('2030-01-01T00:00:00.000Z');
    projection.apply(first);
    projection.down = true;
    const second = await append(); // from the cache; Postgres is skipped for 1 s from now on
    expect(second.parents).toEqual([first.id]);
    projection.down = false;
    const remote: Envelope = {
      ...first,
      id: '019b76da-bb88-7648-8e3a-88348b63929f',
      origin: 'eu',
      parents: [first.id],
    };
    projection.apply(remote);
    t += 999;
    const third = await append(); // still within the second, by the injected clock
    expect(third.parents).toEqual([second.id]);
    t += 1;
    const fourth = await append(); // Postgres again: the remote head joins the parents
    expect(fourth.parents).toEqual([third.id, remote.id].sort());
    expect((await headsCache.get('s-10'))?.at).toBe('2030-01-01T00:00:01.000Z');
  });

  it('lets the domain see own unprojected events in prepare, and maps its refusal', async () => {
    const { appender } = inMemoryAppender();
    const added = (
      await appender.append({
        stream: 'cart-1',
        type: 'ItemAdded',
        data: { sku: 'a', quantity: 1 },
      })
    ).event;
    const removed = (
      await appender.append({ stream: 'cart-1', type: 'ItemRemoved', data: { sku: 'a' } })
    ).event;
    expect(removed.data).toEqual({ sku: 'a', observed: [added.id] });
    expect(
      await code(appender.append({ stream: 'account-1', type: 'Withdrawn', data: { amount: 5 } })),
    ).toBe('DOMAIN_REJECTED');
  });

  it('refuses when fenced and when the envelope would be too large', async () => {
    let fenced = true;
    const { appender } = inMemoryAppender({ fenced: () => fenced });
    expect(await code(appender.append({ stream: 's-7', type: 'T', data: {} }))).toBe(
      'REGION_FENCED',
    );
    fenced = false;
    expect(
      await code(appender.append({ stream: 's-7', type: 'T', data: { pad: 'x'.repeat(5000) } })),
    ).toBe('ENVELOPE_TOO_LARGE');
  });

  it('stamps after a parent far ahead without dragging its own clock', async () => {
    const { appender, projection } = inMemoryAppender();
    const base = (await appender.append({ stream: 's-8', type: 'T', data: {} })).event;
    const ahead = {
      ...base,
      id: '019b76da-bb88-7ce6-8f0a-c0b11b6ff4df',
      origin: 'eu',
      parents: [base.id],
      hlc: { wall: Date.now() + 3_600_000, logical: 4 },
    };
    projection.apply(base);
    projection.apply(ahead);
    const next = (await appender.append({ stream: 's-8', type: 'T', data: {} })).event;
    expect(next.hlc).toEqual({ wall: ahead.hlc.wall, logical: 5 });
    const other = (await appender.append({ stream: 's-9', type: 'T', data: {} })).event;
    expect(other.hlc.wall).toBeLessThan(ahead.hlc.wall);
  });

  it('appends a reconciler merge: signed here, origin kept, deduplicated, named by the next append', async () => {
    const { appender, projection, log } = inMemoryAppender();
    const a = (await appender.append({ stream: 'm-1', type: 'T', data: { a: 1 } })).event;
    const b: Envelope = {
      ...a,
      id: '019b76da-bb88-7648-8e3a-88348b63929e',
      origin: 'eu',
      parents: [],
    };
    projection.apply(a);
    projection.apply(b);
    const parents = [a.id, b.id].sort();
    const merge: UnsignedEnvelope = {
      v: 1,
      id: mergeEventId('m-1', parents),
      stream: 'm-1',
      type: 'concord.merge',
      data: { policy: 'lww', winners: {} },
      origin: 'ap',
      hlc: hlcSuccessor(compareHlc(a.hlc, b.hlc) > 0 ? a.hlc : b.hlc),
      parents,
      meta: {},
    };
    const first = await appender.appendMerge(merge);
    expect(first.duplicate).toBe(false);
    expect(first.event).toMatchObject({ id: merge.id, origin: 'ap', meta: { signedBy: 'us' } });
    expect(log.records.at(-1)!.headers['concord-origin']).toBe('ap');
    const again = await appender.appendMerge(merge);
    expect(again).toMatchObject({ duplicate: true, event: { id: merge.id } });
    // Not projected yet, but the next append here descends from it: no new fork.
    const next = (await appender.append({ stream: 'm-1', type: 'T', data: { c: 1 } })).event;
    expect(next.parents).toEqual([merge.id]);
    // Applied: still a duplicate.
    projection.apply(first.event);
    expect((await appender.appendMerge(merge)).duplicate).toBe(true);
    expect(log.records.filter((r) => r.headers['concord-type'] === 'concord.merge')).toHaveLength(
      1,
    );
  });

  it('refuses anything but a merge with its deterministic id', async () => {
    const { appender } = inMemoryAppender();
    const parents = [
      '019b76da-a800-7720-9da1-52f92ab27369',
      '019b76da-bb88-7648-8e3a-88348b63929e',
    ];
    const merge = {
      v: 1,
      id: mergeEventId('m-2', parents),
      stream: 'm-2',
      type: 'concord.merge',
      data: {},
      origin: 'us',
      hlc: { wall: 1, logical: 1 },
      parents,
      meta: {},
    };
    expect(await code(appender.appendMerge({ ...merge, type: 'T' }))).toBe('VALIDATION_FAILED');
    expect(await code(appender.appendMerge({ ...merge, stream: 'm-3' }))).toBe('VALIDATION_FAILED');
    expect(await code(appender.appendMerge({ ...merge, parents: [parents[0]] }))).toBe(
      'ENVELOPE_INVALID',
    );
    expect(await code(appender.appendMerge('nope'))).toBe('VALIDATION_FAILED');
  });
});
