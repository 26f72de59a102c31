import { describe, expect, it } from 'vitest';
import {
  defineDomain,
  DomainRegistry,
  RESOLUTION_POLICIES,
  type UnsignedEnvelope,
} from '@concord/core';
import { checkHistory, type History } from '../index.js';
import { cleanHistory, doctor, envelopeOf } from '../testing/histories.js';

const nonZero = (h: History, options?: Parameters<typeof checkHistory>[1]) =>
  Object.entries(checkHistory(h, options).counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}:${n}`);

/** A second event carrying `us-0`'s value, stored (and published) in `region`. */
function again(
  region: string,
  patch: Partial<UnsignedEnvelope>,
  where: 'events' | 'feed' = 'events',
): History {
  return doctor(cleanHistory(), region, (o) => {
    const first = o.events.find((e) => e.id === 'us-0')!;
    const copy: UnsignedEnvelope = {
      ...first,
      id: 'us-0-again',
      parents: ['us-2'],
      hlc: { wall: 5_000, logical: 0 },
      ...patch,
    };
    return where === 'events'
      ? { ...o, events: [...o.events, copy] }
      : { ...o, feed: [...(o.feed ?? []), copy] };
  });
}

describe('checkHistory: effects counted from workload values', () => {
  it('passes the clean history with the checker’s own fold (balances match it)', () => {
    expect(nonZero(cleanHistory())).toEqual([]);
  });

  it('flags a value that took effect twice in the stored events, whatever the ids', () => {
    const h = again('eu', { idempotencyKey: 'another-key' });
    expect(nonZero(h)).toEqual(['duplicate:1', 'unresolved-conflict:1', 'invariant:1']);
    expect(checkHistory(h).anomalies[0]).toMatchObject({
      kind: 'duplicate',
      region: 'eu',
      detail: expect.stringContaining('value v-us-0 took effect 2 times in the stored events'),
    });
  });

  it('does not trust the projection’s no-op flag: only its own fold decides', () => {
    const flagged = doctor(again('eu', { idempotencyKey: 'another-key' }), 'eu', (o) => ({
      ...o,
      applied: o.applied.map((e) => ({ ...e, idempotencyNoop: true })),
    }));
    expect(nonZero(flagged)).toContain('duplicate:1');
    // The same key: the fold applies the first only, so the value took effect once.
    expect(nonZero(again('eu', {}))).not.toContain('duplicate:1');
  });

  it('flags a value that took effect twice in the applied feed, and accepts a repeated id', () => {
    const h = again('ap', { idempotencyKey: 'another-key' }, 'feed');
    expect(nonZero(h)).toEqual(['duplicate:1']);
    expect(checkHistory(h).anomalies[0]?.detail).toContain('in the applied feed');
    const republished = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      feed: [...o.feed!, o.feed![0]!, o.feed![1]!], // at-least-once: same ids again
    }));
    expect(nonZero(republished)).toEqual([]);
  });
});

describe('checkHistory: a write reported as definitely failed is applied nowhere', () => {
  const failedValue = (h: History, value: string, ambiguous: boolean): History => ({
    ...h,
    failed: [
      {
        region: 'us',
        stream: 'account-0',
        value,
        at: 0,
        code: ambiguous ? 'OUTCOME_UNKNOWN' : 'BUS_UNAVAILABLE',
        ambiguous,
      },
    ],
  });

  it('flags its value in a log of record, in the stored events and in the applied feed', () => {
    const everywhere = failedValue(cleanHistory(), 'v-us-1', false);
    // In us's topic, and stored and published in the three regions.
    expect(nonZero(everywhere)).toEqual(['failed-applied:7']);
    const details = checkHistory(everywhere)
      .anomalies.map((a) => a.detail)
      .join('\n');
    expect(details).toContain('found in the events topic of us');
    expect(details).toContain('found in the stored events of eu');
    expect(details).toContain('found in the applied feed of ap');
  });

  it('flags it in one place only, e.g. a feed that published what the region lacks', () => {
    const h = doctor(failedValue(cleanHistory(), 'v-late', false), 'ap', (o) => ({
      ...o,
      feed: [
        ...o.feed!,
        envelopeOf(
          {
            eventId: 'late',
            stream: 'account-2',
            type: 'Deposited',
            origin: 'ap',
            parents: ['ap-2'],
            idempotencyNoop: false,
            value: 'v-late',
          },
          99,
        ),
      ],
    }));
    expect(nonZero(h)).toEqual(['failed-applied:1']);
  });

  it('accepts the value of an unknown outcome anywhere', () => {
    expect(nonZero(failedValue(cleanHistory(), 'v-us-1', true))).toEqual([]);
  });
});

describe('checkHistory: heads and invariants from its own fold', () => {
  it('ignores the stored heads, and flags a fork the events leave open', () => {
    const storedOnly = doctor(cleanHistory(), 'us', (o) => ({
      ...o,
      streams: o.streams.map((s) => (s.stream === 'account-0' ? { ...s, heads: ['a', 'b'] } : s)),
    }));
    expect(nonZero(storedOnly)).toEqual([]);
    const unmerged = doctor(cleanHistory(), 'us', (o) => ({
      ...o,
      events: o.events.filter((e) => e.id !== 'merge-1'),
    }));
    expect(nonZero(unmerged)).toEqual(['unresolved-conflict:1']);
    expect(checkHistory(unmerged).anomalies[0]?.detail).toBe('2 heads: eu-x, us-2');
  });

  it('flags a broken invariant of the folded state, and a read model that disagrees', () => {
    // A ledger whose reducer lets the balance go negative (the shipped account never does).
    const ledger = defineDomain<{ balance: number }>({
      category: 'account',
      policy: RESOLUTION_POLICIES.lww,
      reducer: {
        initialState: () => ({ balance: 0 }),
        evolve: (state, e) => {
          const amount = (e.data as { amount?: number }).amount ?? 0;
          if (e.type === 'Deposited') return { balance: state.balance + amount };
          if (e.type === 'Withdrawn') return { balance: state.balance - amount };
          return state;
        },
      },
    });
    const registry = new DomainRegistry([ledger]);
    const overdrawn = doctor(cleanHistory(), 'eu', (o) => ({
      ...o,
      events: o.events.map((e) =>
        e.id === 'eu-x' ? { ...e, data: { ...e.data, amount: 500 } } : e,
      ),
      balances: [],
    }));
    expect(nonZero(overdrawn, { registry })).toEqual(['invariant:1']);
    expect(checkHistory(overdrawn, { registry }).anomalies[0]?.detail).toBe(
      'balance ≥ 0: balance -470 < 0',
    );
    const readModel = doctor(cleanHistory(), 'ap', (o) => ({
      ...o,
      balances: [{ stream: 'account-0', balance: 35 }],
    }));
    expect(nonZero(readModel)).toEqual(['invariant:1']);
    expect(checkHistory(readModel).anomalies[0]?.detail).toBe('read model balance 35 ≠ folded 20');
  });
});
