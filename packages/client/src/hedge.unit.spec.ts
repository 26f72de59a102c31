import { describe, expect, it } from 'vitest';
import { ConcordClient } from './ConcordClient.js';
import { ConcordClientError } from './errors.js';
import { hedged, type Outcome } from './hedge.js';
import type { ClientEvent } from './types.js';

const ok = (region: string): Outcome<string> => ({
  ok: true,
  region,
  answer: { status: 200, body: region, session: null },
});
const failed = (region: string): Outcome<string> => ({
  ok: false,
  region,
  error: new ConcordClientError('NETWORK_ERROR', `${region} down`, { region }),
});
const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('hedged', () => {
  it('asks nobody else when the first region answers in time', async () => {
    const asked: string[] = [];
    const hedges: string[] = [];
    const outcomes = await hedged(
      (r) => (asked.push(r), after(5, ok(r))),
      'us',
      200,
      () => 'eu',
      (from, to) => hedges.push(`${from}>${to}`),
    );
    expect(outcomes).toEqual([ok('us')]);
    expect(asked).toEqual(['us']);
    expect(hedges).toEqual([]);
  });

  it('asks the next region when the first is slow; the first success wins', async () => {
    const hedges: string[] = [];
    const started = Date.now();
    const outcomes = await hedged(
      (r) => (r === 'us' ? after(5_000, ok(r)) : after(5, ok(r))),
      'us',
      50,
      () => 'eu',
      (from, to) => hedges.push(`${from}>${to}`),
    );
    expect(outcomes).toEqual([ok('eu')]);
    expect(hedges).toEqual(['us>eu']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives every failure when no attempt succeeded, and waits for the slow one', async () => {
    const outcomes = await hedged(
      (r) => (r === 'us' ? after(150, failed(r)) : after(5, failed(r))),
      'us',
      50,
      () => 'eu',
      () => undefined,
    );
    expect(outcomes.map((o) => o.region)).toEqual(['eu', 'us']);
    expect(outcomes.every((o) => !o.ok)).toBe(true);
  });

  it('never hedges with 0 ms or without another region', async () => {
    const asked: string[] = [];
    const attempt = (r: string) => (asked.push(r), after(80, ok(r)));
    expect(
      await hedged(
        attempt,
        'us',
        0,
        () => 'eu',
        () => undefined,
      ),
    ).toEqual([ok('us')]);
    expect(
      await hedged(
        attempt,
        'us',
        10,
        () => undefined,
        () => undefined,
      ),
    ).toEqual([ok('us')]);
    expect(asked).toEqual(['us', 'us']);
  });
});

/** A fetch where `us` never answers (a paused writer: only the attempt's timeout ends it). */
function fetchWithStalledUs(answered: string[]): typeof fetch {
  return ((url: string, init?: RequestInit) => {
    if (url.startsWith('http://us')) {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    }
    answered.push(url);
    const body = JSON.stringify({ event: { id: 'e1' }, duplicate: false });
    return Promise.resolve(new Response(body, { status: 201 }));
  }) as typeof fetch;
}

describe('ConcordClient hedging', () => {
  const regions = { us: 'http://us', eu: 'http://eu', ap: 'http://ap' };
  /** A client homed in a stalled us, hedging after 100 ms; what answered and what it told. */
  const stalledHome = (attemptTimeoutMs: number) => {
    const answered: string[] = [];
    const events: ClientEvent[] = [];
    const client = new ConcordClient({
      regions,
      home: 'us',
      hedgeAfterMs: 100,
      attemptTimeoutMs,
      probeIntervalMs: 60_000,
      fetch: fetchWithStalledUs(answered),
      onEvent: (e) => events.push(e),
    });
    return { client, answered, events };
  };

  it('a read of a stalled home is answered by the next region after hedgeAfterMs', async () => {
    const { client, answered, events } = stalledHome(5_000);
    try {
      const started = Date.now();
      const r = await client.read('account-1');
      expect(r.region).toBe('eu');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(events.filter((e) => e.type === 'hedge')).toMatchObject([
        { type: 'hedge', from: 'us', to: 'eu', op: 'read' },
      ]);
      expect(answered).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it('an append is not hedged (two regions would give it two ids): it waits for the attempt timeout', async () => {
    const { client, events } = stalledHome(600);
    try {
      const started = Date.now();
      const r = await client.append('account-1', { type: 'Deposited', data: { amount: 1 } });
      expect(r.region).toBe('eu'); // after us timed out and was marked down
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(events.some((e) => e.type === 'hedge')).toBe(false);
      expect(events.some((e) => e.type === 'failover')).toBe(true);
    } finally {
      client.close();
    }
  });
});
