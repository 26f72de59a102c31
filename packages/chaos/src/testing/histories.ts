/**
 * Histories for the checker's unit tests (not part of the build's API): a correct one, and a
 * way to doctor one region's observation.
 */
import type { UnsignedEnvelope } from '@concord/core';
import type { AppliedEvent, History, RegionObservation } from '../checker/History.js';

export const REGIONS = ['us', 'eu', 'ap'] as const;

type EventSpec = Omit<AppliedEvent, 'appliedSeq'> & { readonly amount?: number };

/** The stored envelope of an event spec (what `projection.events.envelope` holds). */
export function envelopeOf(e: EventSpec, n: number): UnsignedEnvelope {
  return {
    v: 1,
    id: e.eventId,
    stream: e.stream,
    type: e.type,
    data: {
      ...(e.type === 'concord.merge' ? {} : { amount: e.amount ?? 10, currency: 'EUR' }),
      ...(e.value === undefined ? {} : { value: e.value }),
    },
    origin: e.origin,
    hlc: { wall: 1_000 + n, logical: 0 },
    parents: e.parents,
    ...(e.causedBy === undefined ? {} : { causedBy: e.causedBy }),
    ...(e.idempotencyKey === undefined ? {} : { idempotencyKey: e.idempotencyKey }),
    meta: {},
  };
}

/** One region's observation of `events` (applied in that order, stored, published). */
export function observe(
  region: string,
  events: readonly EventSpec[],
  rest: Omit<RegionObservation, 'region' | 'applied' | 'events' | 'feed'>,
): RegionObservation {
  const envelopes = events.map(envelopeOf);
  return {
    region,
    applied: events.map(({ amount: _amount, ...e }, i) => ({ ...e, appliedSeq: i + 1 })),
    events: envelopes,
    feed: envelopes,
    ...rest,
  };
}

/**
 * A correct history: three streams of three chained events each (written in us, eu, ap), all
 * acknowledged, in the log, applied everywhere in causal order with equal digests, plus one
 * conflict resolved by one merge. Workload values are also the idempotency keys.
 */
export function cleanHistory(): History {
  const events: EventSpec[] = [];
  REGIONS.forEach((origin, i) => {
    const stream = `account-${i}`;
    let parent: string | undefined;
    for (let n = 0; n < 3; n++) {
      const id = `${origin}-${n}`;
      events.push({
        eventId: id,
        stream,
        type: 'Deposited',
        origin,
        parents: parent ? [parent] : [],
        idempotencyNoop: false,
        value: `v-${id}`,
        idempotencyKey: `v-${id}`,
      });
      parent = id;
    }
  });
  // A fork on account-0 (us-2 and eu-x both after us-1), merged once.
  events.push({
    eventId: 'eu-x',
    stream: 'account-0',
    type: 'Withdrawn',
    origin: 'eu',
    parents: ['us-1'],
    causedBy: 'ap-0',
    idempotencyNoop: false,
    value: 'v-eu-x',
    idempotencyKey: 'v-eu-x',
  });
  events.push({
    eventId: 'merge-1',
    stream: 'account-0',
    type: 'concord.merge',
    origin: 'us',
    parents: ['eu-x', 'us-2'],
    idempotencyNoop: false,
    contentHash: 'c1',
  });
  const streams = ['account-0', 'account-1', 'account-2'];
  const region = (r: string): RegionObservation =>
    observe(r, events, {
      streams: streams.map((s) => ({
        stream: s,
        eventSetHash: `ids-${s}`,
        stateHash: `state-${s}`,
        heads: [`head-${s}`],
      })),
      recomputed: streams.map((s) => ({
        stream: s,
        eventSetHash: `ids-${s}`,
        stateHash: `state-${s}`,
      })),
      conflicts: [
        {
          id: 'c-1',
          stream: 'account-0',
          heads: ['eu-x', 'us-2'],
          status: 'resolved',
          resolvedBy: 'merge-1',
        },
      ],
      // 3 deposits of 10, one withdrawal of 10.
      balances: [{ stream: 'account-0', balance: 20 }],
    });
  return {
    acked: events
      .filter((e) => e.value)
      .map((e) => ({
        region: e.origin,
        stream: e.stream,
        eventId: e.eventId,
        value: e.value!,
        at: 0,
      })),
    failed: [
      {
        region: 'ap',
        stream: 'account-2',
        value: 'v-failed',
        at: 0,
        code: 'BUS_UNAVAILABLE',
        ambiguous: false,
      },
    ],
    regions: REGIONS.map(region),
    topics: REGIONS.map((origin) => {
      const own = events.filter((e) => e.origin === origin);
      return {
        origin,
        eventIds: own.map((e) => e.eventId),
        records: own.map((e) => ({
          eventId: e.eventId,
          stream: e.stream,
          ...(e.value === undefined ? {} : { value: e.value }),
        })),
      };
    }),
  };
}

/** Replaces region `r`'s observation with `patch(observation)`. */
export function doctor(
  h: History,
  r: string,
  patch: (o: RegionObservation) => RegionObservation,
): History {
  return { ...h, regions: h.regions.map((o) => (o.region === r ? patch(o) : o)) };
}
